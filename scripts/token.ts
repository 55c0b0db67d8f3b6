/**
 * Prints an access token for the local API and nothing else on stdout, so it can be captured:
 *   TOKEN=$(npm run token -- --scope "read:clients create:clients")
 * Signed HS256 with the same secret `npm start` uses (AUTH_SIGNING_SECRET or DATA_DIR's key).
 */
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { loadConfig } from '../shared/config/index.js';
import { resolveSigningSecret, SCOPES } from '../shared/auth/index.js';

const { values } = parseArgs({
  options: {
    scope: { type: 'string', default: SCOPES.join(' ') },
    sub: { type: 'string', default: 'apptrail|local-admin' },
    'client-id': { type: 'string', default: 'apptrail-cli' },
    name: { type: 'string', default: 'Local admin' },
    'expires-in': { type: 'string', default: '24h' },
  },
});

const config = loadConfig();
if (config.AUTH_JWKS_URL) {
  console.error('AUTH_JWKS_URL is set: the API only accepts RS256 tokens from your identity provider; get a token there.');
  process.exit(2);
}
const token = await new SignJWT({ scope: values.scope, azp: values['client-id'], name: values.name, gty: 'client-credentials' })
  .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
  .setSubject(values.sub!)
  .setAudience(config.AUTH_AUDIENCE)
  .setIssuedAt()
  .setExpirationTime(values['expires-in']!)
  .setJti(crypto.randomUUID())
  .sign(await resolveSigningSecret(config));
process.stdout.write(`${token}\n`);
