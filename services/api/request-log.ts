import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import fastify from 'fastify';
import type { Logger } from '../../shared/log/index.js';

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type LogCall = (...args: unknown[]) => void;

/**
 * The request's logger, made only when a line is actually written. Fastify gives every request a
 * pino child bound to its id; making one costs ~10 µs (its bindings go through the redaction
 * paths), which is a tenth of a whole read, and at the usual levels most requests never log a line.
 * Calls below the level are dropped without making the child, as pino itself drops them.
 * A class, so that one costs a small object per request and no closures.
 */
class LazyRequestLogger {
  private made: Logger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly own: Record<string, unknown>,
  ) {}

  private real(): Logger {
    return (this.made ??= this.parent.child(this.own));
  }

  private write(level: Level, args: unknown[]): void {
    if (!(this.made ?? this.parent).isLevelEnabled(level)) return;
    (this.real()[level] as LogCall)(...args);
  }

  get level(): string {
    return (this.made ?? this.parent).level;
  }
  set level(level: string) {
    this.real().level = level;
  }
  isLevelEnabled(level: string): boolean {
    return (this.made ?? this.parent).isLevelEnabled(level);
  }
  bindings(): Record<string, unknown> {
    return this.real().bindings();
  }
  child(bindings: Record<string, unknown>, options?: object): Logger {
    return this.real().child(bindings, options);
  }
  silent(): void {}
  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
}

/** Fastify's childLoggerFactory: the request logger made lazily (see LazyRequestLogger). */
export function lazyChildLogger(parent: Logger, bindings: Record<string, unknown>, childOptions: object): FastifyBaseLogger {
  // Route-level log options (a level of its own, serializers) need the real child at once.
  if (Object.keys(childOptions).length > 0) return parent.child(bindings, childOptions);
  return new LazyRequestLogger(parent, bindings) as unknown as FastifyBaseLogger;
}

/** Probes that orchestrators and Prometheus call every few seconds: at info they would drown the log. */
const PROBE_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * One access-log line per request ("request completed", with the request, the routed URL pattern,
 * the status and the time) instead of Fastify's two ("incoming request" and "request completed"):
 * half the lines and serialisations for the same facts. Probes log at debug. Errors keep
 * Fastify's own line.
 */
export class OneLinePerRequest extends fastify.LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error || this.isLogDisabled(request)) {
      super.requestCompleted(error, request, reply);
      return;
    }
    const route = request.routeOptions.url;
    const line = { req: request, route, res: reply, responseTime: reply.elapsedTime };
    if (route !== undefined && PROBE_ROUTES.has(route)) reply.log.debug(line, 'request completed');
    else reply.log.info(line, 'request completed');
  }
}
