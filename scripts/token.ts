/**
 * Prints an access token for the local API and nothing else on stdout, so it can be captured:
 *   TOKEN=$(npm run token -- --scope "read:clients create:clients")
 * Signed HS256 with the same secret `npm start` uses (AUTH_SIGNING_SECRET or DATA_DIR's key).
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../shared/config/index.js';
import { SCOPES } from '../shared/auth/index.js';
import { makeDevToken } from './dev-token.js';

const { values } = parseArgs({
  options: {
    scope: { type: 'string', default: SCOPES.join(' ') },
    sub: { type: 'string', default: 'apptrail|local-admin' },
    'client-id': { type: 'string', default: 'apptrail-cli' },
    name: { type: 'string', default: 'Local admin' },
    'expires-in': { type: 'string', default: '24h' },
  },
});

try {
  const token = await makeDevToken(loadConfig(), { scope: values.scope, sub: values.sub, clientId: values['client-id'], name: values.name, expiresIn: values['expires-in'] });
  process.stdout.write(`${token}\n`);
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(2);
}
