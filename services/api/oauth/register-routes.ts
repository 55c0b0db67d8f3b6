import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ClientState } from '../../../shared/clients/index.js';
import type { SecretBox } from '../../../shared/crypto/secret-box.js';
import type { AuthorizationDirectory } from '../../../shared/oauth/ports.js';
import { secretMatches } from '../../../shared/oauth/client-auth.js';
import { accessDenied, invalidRequest, invalidToken } from '../../../shared/oauth/errors.js';
import { parseRegistration, registrationAnswer, toClientCreate, toClientUpdate } from '../../../shared/oauth/registration.js';
import type { RegistrationTokens } from '../../../shared/oauth/registration-token.js';
import type { ClientCommands } from '../clients/commands.js';
import { requestMeta } from '../request-meta.js';
import { oauthErrorHandlerFor, oauthRateLimit } from './http.js';

export interface RegisterRoutesDeps {
  directory: AuthorizationDirectory;
  commands: ClientCommands;
  clients: { get(clientId: string): ClientState | undefined };
  box: SecretBox;
  tokens: RegistrationTokens;
  issuer: string;
  /** RFC 7591 §3: when set, registration needs it as a Bearer token. */
  initialAccessToken?: string | undefined;
  /** Requests per minute per IP (registration) or per client (management); 0 = no limit. */
  rateLimitPerMinute: number;
  /** As for /oauth/token: the clients and the tenant state hold every write acknowledged before the call. */
  caughtUp: () => Promise<void>;
}

const REGISTER = '/oidc/register';
// Any id is a well-formed question: one that is not registered gets RFC 7592's 401 like a wrong token.
const IdParams = z.strictObject({ client_id: z.string() });
const bearer = (req: FastifyRequest) => /^bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];

/**
 * Dynamic Client Registration (Auth0's /oidc/register, RFC 7591) and, beyond Auth0, RFC 7592's
 * management of one's own registration at /oidc/register/{client_id} with the registration
 * access token. Registrations go through the same commands (and events, and audit trail) as
 * POST /api/v2/clients.
 */
export async function registerRoutes(root: FastifyInstance, deps: RegisterRoutesDeps): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const errorHandler = oauthErrorHandlerFor('invalid_client_metadata');
  const tags = ['oauth'];
  const uriOf = (clientId: string) => `${deps.issuer}oidc/register/${encodeURIComponent(clientId)}`;
  const answer = (state: ClientState, secret?: string) =>
    registrationAnswer(state, {
      secret: secret ?? deps.box.open(state.client_secret_sealed),
      registrationAccessToken: deps.tokens.issue(state.client_id, state.client_secret_sealed),
      registrationClientUri: uriOf(state.client_id),
    });

  /** RFC 7592 §3: the token must be this client's; an unknown or deleted client gets the same 401. */
  const ownRegistration = async (req: FastifyRequest, clientId: string): Promise<ClientState> => {
    await deps.caughtUp();
    const token = bearer(req);
    const state = deps.clients.get(clientId);
    if (!token || !state || state.deleted || !deps.tokens.matches(token, clientId, state.client_secret_sealed)) throw invalidToken();
    return state;
  };
  const meta = (req: FastifyRequest, clientId: string) => ({ ...requestMeta(req), actor: `${clientId}@clients`, actorclient: clientId });
  const perIp = oauthRateLimit(deps.rateLimitPerMinute, (req) => `register-ip:${req.ip}`);
  const perClient = oauthRateLimit(deps.rateLimitPerMinute, (req) => `register:${(req.params as { client_id?: string }).client_id ?? req.ip}`);

  app.post(REGISTER, { errorHandler, config: { rateLimit: perIp }, schema: { tags, summary: 'Dynamic Client Registration' } }, async (req, reply) => {
    if (deps.initialAccessToken !== undefined) {
      const presented = bearer(req);
      if (!presented || !secretMatches(presented, deps.initialAccessToken)) throw invalidToken('A valid initial access token is required to register');
    }
    await deps.caughtUp();
    if (!deps.directory.settings().enable_dynamic_client_registration) throw accessDenied('Dynamic client registration is disabled for this tenant');
    const create = toClientCreate(parseRegistration(req.body));
    const { state, clientSecret } = await deps.commands.create(create, requestMeta(req));
    return reply.code(201).header('cache-control', 'no-store').send(answer(state, clientSecret));
  });

  app.get(`${REGISTER}/:client_id`, { errorHandler, config: { rateLimit: perClient }, schema: { tags, summary: 'Read a client registration (RFC 7592)', params: IdParams } }, async (req, reply) => {
    const state = await ownRegistration(req, req.params.client_id);
    req.revealedSecrets = ['client_secret'];
    return reply.header('cache-control', 'no-store').send(answer(state));
  });

  app.put(`${REGISTER}/:client_id`, { errorHandler, config: { rateLimit: perClient }, schema: { tags, summary: 'Update a client registration (RFC 7592)', params: IdParams } }, async (req, reply) => {
    const clientId = req.params.client_id;
    const state = await ownRegistration(req, clientId);
    const body = req.body as Record<string, unknown> | undefined;
    if (body === undefined || body.client_id !== clientId) throw invalidRequest('client_id in the body must be the client_id of the registration');
    if (body.client_secret !== undefined && (typeof body.client_secret !== 'string' || !secretMatches(body.client_secret, deps.box.open(state.client_secret_sealed)))) {
      throw invalidRequest('client_secret does not match the registered secret');
    }
    const patch = toClientUpdate(parseRegistration(body));
    const updated = await deps.commands.update(clientId, patch, meta(req, clientId));
    return reply.header('cache-control', 'no-store').send(answer(updated));
  });

  app.delete(`${REGISTER}/:client_id`, { errorHandler, config: { rateLimit: perClient }, schema: { tags, summary: 'Delete a client registration (RFC 7592)', params: IdParams } }, async (req, reply) => {
    const clientId = req.params.client_id;
    await ownRegistration(req, clientId);
    await deps.commands.remove(clientId, meta(req, clientId));
    return reply.code(204).send();
  });
}
