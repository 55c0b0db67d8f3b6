// withCreateDefaults remembers its result per parsed body: the create schema and decideCreate share
// one computation. Sharing must never let one body's defaults stand for another's, nor let one
// caller change what the other holds.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ClientCreateSchema, decideCreate, withCreateDefaults, type ClientCreate } from '../../shared/clients/index.js';

const SEALED = `v1.00000000.${'A'.repeat(16)}.${'B'.repeat(22)}.${'C'.repeat(86)}`;
const APP_TYPES = ['spa', 'native', 'regular_web', 'non_interactive'] as const;

describe('create defaults computed once per body', () => {
  it('the event decided from a validated body holds the defaults of that body, equal to a fresh computation', () => {
    fc.assert(
      fc.property(fc.constantFrom(...APP_TYPES), fc.boolean(), fc.option(fc.constantFrom('none', 'client_secret_basic'), { nil: undefined }), (app_type, sso_disabled, method) => {
        const raw = { name: 'c', app_type, sso_disabled, ...(method ? { token_endpoint_auth_method: method } : {}) };
        const body = ClientCreateSchema.parse(raw);
        const event = decideCreate(body, { clientId: 'id', secretSealed: SEALED });
        // A structurally equal body that is another object: computed afresh, not from memory.
        const fresh = withCreateDefaults(structuredClone(body) as ClientCreate);
        assert.deepEqual(event.data.client, fresh);
        assert.equal(event.data.client.app_type, app_type);
        assert.equal(event.data.client.sso_disabled, sso_disabled);
      }),
    );
  });

  it('two bodies parsed one after the other never share defaults', () => {
    const spa = ClientCreateSchema.parse({ name: 'a', app_type: 'spa' });
    const web = ClientCreateSchema.parse({ name: 'b', app_type: 'regular_web' });
    assert.equal(withCreateDefaults(spa).token_endpoint_auth_method, 'none');
    assert.equal(withCreateDefaults(web).token_endpoint_auth_method, 'client_secret_post');
    assert.equal(withCreateDefaults(spa).name, 'a');
  });

  it('the shared result cannot be changed by one of its holders', () => {
    const body = ClientCreateSchema.parse({ name: 'a', app_type: 'spa' });
    const config = withCreateDefaults(body);
    assert.throws(() => {
      (config as { name: string }).name = 'changed';
    }, TypeError);
    assert.equal(decideCreate(body, { clientId: 'id', secretSealed: SEALED }).data.client.name, 'a');
  });
});
