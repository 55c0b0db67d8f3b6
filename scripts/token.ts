/**
 * Prints an access token for the local API and nothing else on stdout, so it can be captured:
 *   TOKEN=$(npm run token -- --scope "read:clients create:clients")
 * Signed HS256 with the same secret `npm start` uses (AUTH_SIGNING_SECRET or DATA_DIR's key).
 *
 * With a client's credentials it asks apptrail's /oauth/token instead (client credentials grant),
 * e.g. for the administrative client printed on first start:
 *   TOKEN=$(npm run token -- --client-id=ID --client-secret=SECRET)   (with '=': a secret may start with '-')
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../shared/config/index.js';
import { SCOPES } from '../shared/auth/index.js';
import { issuerFromConfig } from '../shared/oauth/discovery.js';
import { makeDevToken } from './dev-token.js';

const { values } = parseArgs({
  options: {
    scope: { type: 'string' },
    sub: { type: 'string', default: 'apptrail|local-admin' },
    'client-id': { type: 'string', default: 'apptrail-cli' },
    'client-secret': { type: 'string' },
    'token-url': { type: 'string' },
    audience: { type: 'string' },
    name: { type: 'string', default: 'Local admin' },
    'expires-in': { type: 'string', default: '24h' },
  },
});

const config = loadConfig();

if (values['client-secret'] !== undefined) {
  // The token endpoint of the running apptrail (its issuer), for the Management API by default.
  const url = values['token-url'] ?? `${issuerFromConfig(config)}oauth/token`;
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: values['client-id']!, client_secret: values['client-secret'], audience: values.audience ?? config.AUTH_AUDIENCE });
  if (values.scope !== undefined) body.set('scope', values.scope);
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }).catch((err: unknown) => {
    // fetch's own error says only "fetch failed"; the cause (refused, self-signed, …) is what helps.
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
    const code = (cause as { code?: string }).code ?? '';
    const hint = /SELF_SIGNED|UNABLE_TO_VERIFY|CERT/.test(code) ? ' (a self-signed certificate: set NODE_EXTRA_CA_CERTS=<its PEM file>)' : '';
    console.error(`${url} could not be reached: ${cause instanceof Error ? cause.message : String(cause)}${hint}`);
    process.exit(1);
  });
  const answer = (await res.json().catch(() => ({}))) as { access_token?: string; error?: string; error_description?: string };
  if (!res.ok || !answer.access_token) {
    console.error(`${url} answered ${res.status}: ${answer.error ?? ''} ${answer.error_description ?? ''}`.trim());
    process.exit(1);
  }
  process.stdout.write(`${answer.access_token}\n`);
  process.exit(0);
}

try {
  const token = await makeDevToken(config, { scope: values.scope ?? SCOPES.join(' '), sub: values.sub, clientId: values['client-id'], name: values.name, expiresIn: values['expires-in'] });
  process.stdout.write(`${token}\n`);
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(2);
}
