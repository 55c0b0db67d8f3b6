import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from '../../shared/log/index.js';
import type { Check } from '../../shared/health/index.js';
import { healthRoutes } from './routes/health.js';
import { auth0ValidatorCompiler, errorHandler, notFoundHandler } from './errors.js';
import { registerDocs } from './docs.js';
import { registerRateLimit } from './rate-limit.js';
import { authenticateManagementApi, type VerifyToken } from '../../shared/auth/index.js';

export interface AppOptions {
  log: Logger;
  readiness: Record<string, Check>;
  https?: { cert: Buffer; key: Buffer };
  /** Verifies the Bearer token of every /api/v2 request; without it the app serves only health. */
  verify?: VerifyToken;
  /** Management API requests per second per caller; 0 or absent: no limit. */
  rateLimitPerSecond?: number;
  /** Registers feature routes (clients, logs, log streams) onto the app. */
  features?: Array<(app: FastifyInstance) => Promise<void>>;
}

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const base: FastifyServerOptions = {
    loggerInstance: opts.log,
    // Auth0 answers with x-request-id style ids; ours travel into events and audit entries.
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
    bodyLimit: 1024 * 1024,
  };
  // An https server has a different Node server type but the same Fastify surface for us.
  const app = (opts.https ? Fastify({ ...base, https: opts.https } as FastifyServerOptions) : Fastify(base)) as FastifyInstance;
  app.setValidatorCompiler(auth0ValidatorCompiler);
  // Responses are built from validated state; re-validating every one against its schema would
  // only cost time, so the schemas serve the OpenAPI document and serialisation is plain JSON.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.withTypeProvider<ZodTypeProvider>();
  // Auth0 accepts an empty body on rotate-secret and DELETE even with a JSON content type (SDKs
  // send one); Fastify's parser refuses it. Empty means "no body"; anything else goes through
  // Fastify's own parser, which keeps its prototype-poisoning protection.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (body === '' || body === undefined) return done(null, undefined);
    parseJson(req, body as string, done);
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  await app.register(healthRoutes, { readiness: opts.readiness });
  await registerDocs(app);
  if (opts.verify) authenticateManagementApi(app, opts.verify);
  await registerRateLimit(app, opts.rateLimitPerSecond ?? 0);
  for (const feature of opts.features ?? []) await feature(app);
  return app;
}
