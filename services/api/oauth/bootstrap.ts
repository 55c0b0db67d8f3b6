import { createHash } from 'node:crypto';
import type { EventMeta } from '../../../shared/clients/index.js';
import { Auth0Error } from '../../../shared/errors/auth0-error.js';
import type { Logger } from '../../../shared/log/index.js';
import type { ClientGrantWriter } from '../../../shared/oauth/ports.js';
import type { ClientCommands } from '../clients/commands.js';
import type { ClientProjection } from '../clients/projection.js';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * The bootstrap client's id, the same on every instance of a tenant: two instances starting
 * together append the create of the SAME client with expected version 0, and the log lets only
 * one of them take effect.
 */
export function bootstrapClientId(tenant: string): string {
  const digest = createHash('sha256').update(`apptrail bootstrap client\n${tenant}`).digest();
  let id = '';
  for (let i = 0; i < 32; i++) id += ALPHANUMERIC[digest[i]! % ALPHANUMERIC.length];
  return id;
}

export interface BootstrapDeps {
  projection: Pick<ClientProjection, 'catchUp' | 'store'>;
  commands: Pick<ClientCommands, 'create'>;
  grants: ClientGrantWriter;
  /** The Management API's identifier (AUTH_AUDIENCE). */
  audience: string;
  /** Every management scope (the Management API resource server's). */
  scopes: readonly string[];
  /** Whether a client holds a grant on the Management API (to report a half-made bootstrap). */
  hasGrant?: (clientId: string) => boolean;
  tenant: string;
  /** Where the token endpoint is, for the printed command. */
  tokenUrl: string;
  log: Logger;
  /** Prints the credentials block; process.stdout, never the logger (logs are shipped and kept). */
  print: (text: string) => void;
  catchUpMs?: number;
}

const META: EventMeta = { actor: 'apptrail|bootstrap', actorclient: '', actorname: 'apptrail bootstrap', requestid: 'bootstrap', ip: '', useragent: 'apptrail', method: 'POST', path: '/api/v2/clients' };

/**
 * The credentials block, printed once, with the command that gets a token for them. The command
 * names the audience: `npm run token` runs in another shell, whose AUTH_AUDIENCE (unset: the
 * http default) need not be the one this process was started with (e.g. an https start).
 */
export function credentialsBlock(clientId: string, clientSecret: string, tokenUrl: string, audience: string): string {
  const lines = [
    'apptrail created its administrative machine-to-machine client.',
    'The secret is shown ONCE; store it now (rotate it with POST /api/v2/clients/{id}/rotate-secret).',
    '',
    `  client_id:     ${clientId}`,
    `  client_secret: ${clientSecret}`,
    '',
    'Get a Management API token with it:',
    // `--name=value`: a generated secret may start with '-', which a separate argument would make an option.
    `  npm run token -- --client-id=${clientId} --client-secret='${clientSecret}' --token-url=${tokenUrl} --audience=${audience}`,
  ];
  const width = Math.max(...lines.map((l) => l.length));
  const bar = '─'.repeat(width + 2);
  return [`┌${bar}┐`, ...lines.map((l) => `│ ${l.padEnd(width)} │`), `└${bar}┘`, ''].join('\n');
}

/**
 * On a tenant's first start (no client was ever created, once the projection caught up), creates
 * one administrative machine-to-machine client with a grant on the Management API for every
 * management scope, and prints its credentials once. Every later start, and the instance that
 * lost the race, does nothing.
 */
export async function bootstrapAdminClient(deps: BootstrapDeps): Promise<'created' | 'skipped' | 'lost-race'> {
  await deps.projection.catchUp(deps.catchUpMs ?? 30_000);
  const clientId = bootstrapClientId(deps.tenant);
  if (deps.projection.store.size > 0) {
    // A start that died between the client and its grant leaves a client nobody can use; it is not
    // granted again here (an operator may have removed the grant on purpose), only reported.
    const made = deps.projection.store.get(clientId);
    if (made && !made.deleted && deps.hasGrant && !deps.hasGrant(clientId)) {
      deps.log.warn({ clientId }, 'the bootstrap client has no grant on the Management API; create one with POST /api/v2/client-grants (npm run token gives a development token to do it)');
    }
    return 'skipped';
  }
  let clientSecret: string;
  try {
    ({ clientSecret } = await deps.commands.create(
      { name: 'apptrail admin (bootstrap)', description: 'Created on first start; manages this apptrail', app_type: 'non_interactive', grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_post' },
      META,
      { clientId },
    ));
  } catch (err) {
    if (err instanceof Auth0Error && err.statusCode === 409) {
      deps.log.info({ clientId }, 'another instance created the bootstrap client');
      return 'lost-race';
    }
    throw err;
  }
  await deps.grants.createGrant({ client_id: clientId, audience: deps.audience, scope: [...deps.scopes] });
  deps.log.info({ clientId }, 'bootstrap client created; its credentials were printed once on stdout');
  deps.print(credentialsBlock(clientId, clientSecret, deps.tokenUrl, deps.audience));
  return 'created';
}
