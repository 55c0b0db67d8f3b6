import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import fastify from 'fastify';
import type { Logger } from '../../shared/log/index.js';

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
type Level = (typeof LEVELS)[number];

/**
 * The request's logger, made only when a line is actually written. Fastify gives every request a
 * pino child bound to its id; making one costs ~10 µs (its bindings go through the redaction
 * paths), which is a tenth of a whole read, and at the usual levels most requests never log a line.
 * Calls below the parent's level are dropped without making the child, as pino itself drops them.
 */
export function lazyChildLogger(parent: Logger, bindings: Record<string, unknown>, childOptions: object): FastifyBaseLogger {
  // Route-level log options (a level of its own, serializers) need the real child at once.
  if (Object.keys(childOptions).length > 0) return parent.child(bindings, childOptions);
  let child: Logger | undefined;
  const real = () => (child ??= parent.child(bindings));
  const lazy = {
    get level() {
      return parent.level;
    },
    set level(level: string) {
      real().level = level;
    },
    child: (more: Record<string, unknown>, options?: object) => real().child(more, options),
    silent: () => undefined,
    isLevelEnabled: (level: string) => (child ?? parent).isLevelEnabled(level),
    bindings: () => real().bindings(),
  } as Record<string, unknown>;
  for (const level of LEVELS) {
    lazy[level] = (...args: unknown[]) => {
      if (!(child ?? parent).isLevelEnabled(level)) return;
      (real()[level as Level] as (...a: unknown[]) => void)(...args);
    };
  }
  return lazy as unknown as FastifyBaseLogger;
}

/**
 * One access-log line per request ("request completed", with the request, the status and the
 * time) instead of Fastify's two ("incoming request" and "request completed"): half the lines
 * and serialisations for the same facts. Errors keep Fastify's own line.
 */
export class OneLinePerRequest extends fastify.LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error || this.isLogDisabled(request)) {
      super.requestCompleted(error, request, reply);
      return;
    }
    reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}
