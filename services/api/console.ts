import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';
import { Auth0Error } from '../../shared/errors/auth0-error.js';
import type { Logger } from '../../shared/log/index.js';
import type { ConsoleConfig } from '../../shared/console/config.js';

/** Where `npm run console:build` (scripts/console-build.ts) leaves the built console. */
export const CONSOLE_DIST = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/console');
export const CONSOLE_PREFIX = '/console/';

/**
 * The console's pages may load and talk to this origin only: no inline script or style, no other
 * host, no framing. The token travels in an Authorization header to the same origin (connect-src).
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/**
 * The web console (services/console, built by Vite) at /console/: hashed assets cached for good,
 * index.html never cached, and index.html for every other /console/ path so the single-page app's
 * own routes survive a reload. GET / leads there. Without a build the console paths answer 503
 * with Auth0's error body, and the API works as before.
 */
export async function consoleRoutes(app: FastifyInstance, opts: { root?: string; log?: Logger; config?: ConsoleConfig } = {}): Promise<void> {
  const root = opts.root ?? CONSOLE_DIST;
  app.get('/', { schema: { hide: true } }, (_req, reply) => reply.redirect(CONSOLE_PREFIX, 302));
  const config = opts.config;
  if (config) {
    // Public facts the sign-in needs before it has a token (the audience to ask /oauth/token for);
    // outside the static scope below so it answers with or without a build.
    app.get(`${CONSOLE_PREFIX}config.json`, { schema: { hide: true } }, (_req, reply) =>
      reply.headers(SECURITY_HEADERS).header('cache-control', 'no-cache').send(config),
    );
  }
  await app.register(async (scope) => {
    scope.addHook('onSend', async (_req, reply) => {
      void reply.headers(SECURITY_HEADERS);
    });
    scope.get('/console', { schema: { hide: true } }, (_req, reply) => reply.redirect(CONSOLE_PREFIX, 301));

    if (!existsSync(join(root, 'index.html'))) {
      opts.log?.warn({ root }, 'the console is not built (npm run console:build): /console/ answers 503');
      const notBuilt = (_req: unknown, reply: FastifyReply) =>
        reply.code(503).send(new Auth0Error(503, 'The console is not built: run `npm run console:build` (npm start does it)', 'console_not_built').toJSON());
      scope.get('/console/', { schema: { hide: true } }, notBuilt);
      scope.get('/console/*', { schema: { hide: true } }, notBuilt);
      return;
    }

    await scope.register(fastifyStatic, {
      root,
      prefix: CONSOLE_PREFIX,
      // One route per built file (the build is done before start), so any other path falls
      // through to the single-page app below instead of a 404.
      wildcard: false,
      index: false,
      etag: true,
      lastModified: false,
      setHeaders: (res, path) => {
        res.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
    const page = (_req: unknown, reply: FastifyReply) => reply.header('cache-control', 'no-cache').sendFile('index.html', root);
    scope.get('/console/', { schema: { hide: true } }, page);
    // Unknown assets stay 404s: answering them with the page would hide a broken build.
    scope.get('/console/*', { schema: { hide: true } }, (req, reply) =>
      (req.params as { '*': string })['*'].startsWith('assets/') ? reply.callNotFound() : page(req, reply),
    );
  });
}

/** The console as one of the app's features (services/main.ts serves it with the API role). */
export function consoleFeature(log: Logger, config: ConsoleConfig): (app: FastifyInstance) => Promise<void> {
  return (app) => consoleRoutes(app, { log, config });
}
