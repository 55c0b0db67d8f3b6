// The token command printed with the bootstrap client's credentials must survive any secret:
// generated secrets are base64url and may start with '-', which parseArgs would take for an
// option if the value were a separate argument (CI met one).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { credentialsBlock } from '../../services/api/oauth/bootstrap.js';

const OPTIONS = { 'client-id': { type: 'string' }, 'client-secret': { type: 'string' }, 'token-url': { type: 'string' }, audience: { type: 'string' } } as const;
const base64url = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'), minLength: 1, maxLength: 64 });

describe('the bootstrap credentials block', () => {
  it('prints a token command whose values read back exactly, whatever the id and secret (generated, leading "-" included)', () => {
    fc.assert(
      fc.property(base64url, fc.oneof(base64url, base64url.map((s) => `-${s}`)), (clientId, clientSecret) => {
        const block = credentialsBlock(clientId, clientSecret, 'http://127.0.0.1:3000/oauth/token', 'http://127.0.0.1:3000/api/v2/');
        const command = /npm run token -- (.+?)\s*│/.exec(block)?.[1];
        assert.ok(command);
        // As a shell reads it: single quotes around a value are removed.
        const args = command.split(' ').map((a) => a.replace(/^(--[a-z-]+=)?'(.*)'$/, '$1$2'));
        const { values } = parseArgs({ args, options: OPTIONS, strict: true });
        assert.deepEqual({ ...values }, { 'client-id': clientId, 'client-secret': clientSecret, 'token-url': 'http://127.0.0.1:3000/oauth/token', audience: 'http://127.0.0.1:3000/api/v2/' });
      }),
    );
  });
});
