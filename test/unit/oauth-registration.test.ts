// Dynamic registration's pure parts: the RFC 7592 registration access token is bound to one
// client and one secret, and any registration request becomes either a strict third-party
// client or an RFC 7591 error (generated).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { createRegistrationTokens } from '../../shared/oauth/registration-token.js';
import { parseRegistration, toClientCreate } from '../../shared/oauth/registration.js';
import { OAuthError } from '../../shared/oauth/errors.js';
import { secretMatches } from '../../shared/oauth/client-auth.js';
import { decideCreate } from '../../shared/clients/index.js';
import { Auth0Error } from '../../shared/errors/auth0-error.js';

describe('registration access tokens', () => {
  it('match exactly the client and sealed secret they were issued for (generated)', () => {
    const tokens = createRegistrationTokens(randomBytes(32));
    const other = createRegistrationTokens(randomBytes(32));
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), fc.string(), fc.string(), (id, sealed, id2, sealed2, junk) => {
        const token = tokens.issue(id, sealed);
        assert.ok(tokens.matches(token, id, sealed));
        if (id !== id2 || sealed !== sealed2) assert.equal(tokens.matches(token, id2, sealed2), false, 'another client or a rotated secret');
        assert.equal(other.matches(token, id, sealed), false, 'another secrets key');
        assert.equal(tokens.matches(junk, id, sealed), junk === token);
      }),
    );
  });

  it('secretMatches is equality, whatever the lengths (generated)', () => {
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => assert.equal(secretMatches(a, b), a === b)));
  });
});

describe('registration requests', () => {
  it('become a strict third-party client or an RFC 7591 error, never anything else (generated)', () => {
    const uri = fc.oneof(fc.webUrl(), fc.string(), fc.constant('https://app.example.com/cb'));
    const metadata = fc.record(
      {
        client_name: fc.oneof(fc.string(), fc.integer()),
        redirect_uris: fc.oneof(fc.array(uri, { maxLength: 3 }), fc.string()),
        grant_types: fc.array(fc.constantFrom('authorization_code', 'refresh_token', 'client_credentials', 'implicit', 'password', 'x'), { maxLength: 3 }),
        token_endpoint_auth_method: fc.constantFrom('none', 'client_secret_post', 'client_secret_basic', 'private_key_jwt'),
        logo_uri: uri,
        extra: fc.anything(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(metadata, fc.anything()), (body) => {
        try {
          const create = toClientCreate(parseRegistration(body));
          assert.equal(create.is_first_party, false);
          assert.equal(create.third_party_security_mode, 'strict');
          assert.ok((create.grant_types ?? []).every((g) => ['authorization_code', 'refresh_token', 'client_credentials'].includes(g)));
          try {
            decideCreate(create, { clientId: 'c'.repeat(32), secretSealed: 'sealed' });
          } catch (rule) {
            // The cross-field rules refuse at decide time; the route answers that invalid_client_metadata.
            assert.ok(rule instanceof Auth0Error && rule.statusCode === 400, String(rule));
          }
        } catch (err) {
          assert.ok(err instanceof OAuthError, String(err));
          assert.equal(err.statusCode, 400);
          assert.ok(['invalid_client_metadata', 'invalid_redirect_uri'].includes(err.error), err.error);
        }
      }),
      { numRuns: 500 },
    );
  });
});
