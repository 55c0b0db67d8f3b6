import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ClientState } from '../../../shared/clients/index.js';
import type { SecretBox } from '../../../shared/crypto/secret-box.js';
import type { AuthorizationDirectory } from '../../../shared/oauth/ports.js';
import { openidConfiguration } from '../../../shared/oauth/discovery.js';
import { invalidRequest } from '../../../shared/oauth/errors.js';
import { exchangeClientCredentials, TokenRefusal, TokenRequestSchema } from '../../../shared/oauth/token-exchange.js';
import { TOKEN_ROUTE } from '../audit-requests.js';
import { acceptFormBodies, oauthErrorHandler, oauthRateLimit } from './http.js';

export interface TokenRoutesDeps {
  directory: AuthorizationDirectory;
  clients: { get(clientId: string): ClientState | undefined };
  box: SecretBox;
  issuer: string;
  /** /oauth/token requests per minute per client id; 0 = no limit. */
  rateLimitPerMinute: number;
  /**
   * Resolves once the clients and the tenant state hold every write acknowledged before the call
   * (by any instance), or answer from what they hold during a broker outage; 503 while loading.
   */
  caughtUp: () => Promise<void>;
}

/** The client a token request names (Basic header or body), for the per-client rate limit. */
function clientKey(req: FastifyRequest): string {
  const basic = /^basic\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (basic) return `token:${Buffer.from(basic, 'base64').toString('utf8').split(':')[0]}`;
  const id = (req.body as { client_id?: unknown } | undefined)?.client_id;
  return typeof id === 'string' ? `token:${id}` : `token-ip:${req.ip}`;
}

/** POST /oauth/token (client credentials) and the two discovery documents. No Bearer token on any of them. */
export async function tokenRoutes(app: FastifyInstance, deps: TokenRoutesDeps): Promise<void> {
  const exchangeDeps = { directory: deps.directory, client: (id: string) => deps.clients.get(id), openSecret: (sealed: string) => deps.box.open(sealed), issuer: deps.issuer };

  await app.register(async (scope) => {
    acceptFormBodies(scope);
    scope.post(TOKEN_ROUTE, { errorHandler: oauthErrorHandler, config: { rateLimit: oauthRateLimit(deps.rateLimitPerMinute, clientKey) }, schema: { tags: ['oauth'], summary: 'Get a token (client credentials)' } }, async (req, reply) => {
      const body = req.body ?? {};
      const params = TokenRequestSchema.safeParse(body);
      if (typeof body !== 'object' || Array.isArray(body) || !params.success) {
        throw invalidRequest(`Invalid request: ${params.success ? 'the body must be an object' : `${params.error.issues[0]?.path.join('.') || 'body'} must be a single string`}`);
      }
      // A client, grant or key written on another instance a moment ago must count here too.
      await deps.caughtUp();
      try {
        const { token, trace } = await exchangeClientCredentials(exchangeDeps, params.data, req.headers.authorization);
        req.tokenExchange = trace;
        return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(token);
      } catch (err) {
        if (!(err instanceof TokenRefusal)) throw err;
        req.tokenExchange = err.trace;
        throw err.error;
      }
    });
  });

  app.get('/.well-known/jwks.json', { schema: { tags: ['oauth'], summary: 'Public keys that verify the tokens apptrail issues' } }, async (_req, reply) => {
    // Short: a revoked key must leave verifiers' caches soon.
    return reply.header('cache-control', 'public, max-age=60').send(deps.directory.publishedKeys());
  });
  app.get('/.well-known/openid-configuration', { schema: { tags: ['oauth'], summary: 'OpenID Provider metadata' } }, async (_req, reply) => {
    return reply.header('cache-control', 'public, max-age=300').send(openidConfiguration(deps.issuer));
  });
}
