import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import { buildApp } from '../../services/api/app.js';
import { tokenRoutes } from '../../services/api/oauth/token-routes.js';
import { apply, ClientCreateSchema, ClientStateStore, decideCreate, decideDelete, decideRotate, generateClientId, generateClientSecret } from '../../shared/clients/index.js';
import { createSecretBox } from '../../shared/crypto/secret-box.js';
import { createLogger } from '../../shared/log/index.js';
import { createOwnTokenVerifier, createTokenVerifier, principalOf } from '../../shared/auth/index.js';
import { MemoryDirectory } from './authz-directory.js';

export const MANAGEMENT_AUDIENCE = 'https://apptrail.test/api/v2/';
export const ISSUER = 'https://apptrail.test/';
export const OTHER_API = 'https://orders.example.com/';

/**
 * The token endpoint, the discovery documents and a Management API route that echoes its caller,
 * over an in-memory directory and client store (no Kafka): the readers of issue 11 alone.
 */
export async function oauthApp(opts: { rateLimitPerMinute?: number } = {}) {
  const box = createSecretBox(randomBytes(32));
  const directory = await MemoryDirectory.create({ managementAudience: MANAGEMENT_AUDIENCE });
  directory.addApi({ identifier: OTHER_API, name: 'Orders', scopes: [{ value: 'read:orders' }, { value: 'write:orders' }, { value: 'admin:orders' }], token_lifetime: 600 });
  const store = new ClientStateStore();
  const devSecret = randomBytes(32);
  const verify = createOwnTokenVerifier({
    audience: MANAGEMENT_AUDIENCE,
    issuer: ISSUER,
    published: () => directory.publishedKeys(),
    fallback: createTokenVerifier({ audience: MANAGEMENT_AUDIENCE, secret: devSecret }),
  });
  const app: FastifyInstance = await buildApp({
    log: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    readiness: {},
    verify,
    rateLimitPerSecond: 0,
    features: [
      async (a) => {
        // In memory: the state is complete by construction.
        await tokenRoutes(a, { directory, clients: store, box, issuer: ISSUER, rateLimitPerMinute: opts.rateLimitPerMinute ?? 0, caughtUp: async () => undefined });
        a.get('/api/v2/whoami', async (req) => {
          const p = principalOf(req);
          return { sub: p.sub, clientId: p.clientId, scopes: [...p.scopes].sort() };
        });
      },
    ],
  });

  let clock = Date.parse('2026-01-01T00:00:00.000Z');
  function addClient(input: Record<string, unknown> = {}) {
    const clientId = generateClientId();
    const secret = generateClientSecret();
    const create = ClientCreateSchema.parse({ name: 'm2m', app_type: 'non_interactive', grant_types: ['client_credentials'], ...input });
    const state = apply(undefined, decideCreate(create, { clientId, secretSealed: box.seal(secret) }), new Date(clock++).toISOString()).state!;
    store.put(state);
    return { clientId, secret };
  }
  function rotateSecret(clientId: string): string {
    const state = store.get(clientId)!;
    const secret = generateClientSecret();
    store.put(apply(state, decideRotate(state, { secretSealed: box.seal(secret) }), new Date(clock++).toISOString()).state!);
    return secret;
  }
  function deleteClient(clientId: string) {
    const state = store.get(clientId)!;
    store.put(apply(state, decideDelete(state), new Date(clock++).toISOString()).state!);
  }
  const devToken = () => new SignJWT({ scope: 'read:clients' }).setProtectedHeader({ alg: 'HS256' }).setSubject('dev').setAudience(MANAGEMENT_AUDIENCE).setExpirationTime('1h').sign(devSecret);
  return { app, box, directory, store, addClient, deleteClient, rotateSecret, devToken };
}

/** A form body as the auth0 SDK sends it. */
export const form = (params: Record<string, string>) => ({ 'content-type': 'application/x-www-form-urlencoded' as const, body: new URLSearchParams(params).toString() });
export const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
