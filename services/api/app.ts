import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from '../../shared/log/index.js';
import type { Check } from '../../shared/health/index.js';
import { healthRoutes } from './routes/health.js';
import { registerMetrics } from './routes/metrics.js';
import type { Registry } from 'prom-client';
import { auth0ValidatorCompiler, clientErrorHandler, errorHandler, MAX_PARAM_LENGTH, notFoundHandler } from './errors.js';
import { acceptJsonBodies, refuseBadUrlInput } from './request-input.js';
import { BODY_LIMIT_BYTES } from '../../shared/http/json-limits.js';
import { registerDocs } from './docs.js';
import { registerRateLimit } from './rate-limit.js';
import { lazyChildLogger, OneLinePerRequest } from './request-log.js';
import { authenticateManagementApi, type VerifyToken } from '../../shared/auth/index.js';

export interface AppOptions {
  log: Logger;
  readiness: Record<string, Check>;
  https?: { cert: Buffer; key: Buffer };
  /** Verifies the Bearer token of every /api/v2 request; without it the app serves only health. */
  verify?: VerifyToken;
  /** Management API requests per second per caller; 0 or absent: no limit. */
  rateLimitPerSecond?: number;
  /** Serves this registry at GET /metrics and times every request into it; absent: no /metrics. */
  metrics?: Registry;
  /** Registers feature routes (clients, logs, log streams) onto the app. */
  features?: Array<(app: FastifyInstance) => Promise<void>>;
}

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const base: FastifyServerOptions = {
    loggerInstance: opts.log,
    // Auth0 answers with x-request-id style ids; ours travel into events and audit entries.
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
    // Per-request logging at its cheapest: the child logger only when a line is written, one
    // access-log line per request (request-log.ts).
    childLoggerFactory: (logger, bindings, childOptions) => lazyChildLogger(logger as Logger, bindings, childOptions),
    logController: new OneLinePerRequest(),
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Bad percent-encoding in the path and over-long parameters, which Fastify answers itself
    // unless handed to us, and requests Node refuses before Fastify: Auth0's body for all.
    frameworkErrors: errorHandler,
    clientErrorHandler,
  };
  // An https server has a different Node server type but the same Fastify surface for us.
  const app = (opts.https ? Fastify({ ...base, https: opts.https } as FastifyServerOptions) : Fastify(base)) as FastifyInstance;
  app.setValidatorCompiler(auth0ValidatorCompiler);
  // Responses are built from validated state; re-validating every one against its schema would
  // only cost time, so the schemas serve the OpenAPI document and serialisation is plain JSON.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.withTypeProvider<ZodTypeProvider>();
  acceptJsonBodies(app);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  // First, so health, docs and the not-found answer are covered too.
  refuseBadUrlInput(app);
  // Before every route, so the timing hook covers them all.
  if (opts.metrics) registerMetrics(app, opts.metrics);
  await app.register(healthRoutes, { readiness: opts.readiness });
  await registerDocs(app);
  if (opts.verify) authenticateManagementApi(app, opts.verify);
  await registerRateLimit(app, opts.rateLimitPerSecond ?? 0);
  for (const feature of opts.features ?? []) await feature(app);
  return app;
}
