// A stream's credential is bound to its destination: moving the destination without giving the
// credential again is refused, so `update:log_streams` alone cannot send a token to another host.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { createSecretBox } from '../../shared/crypto/secret-box.js';
import { Auth0Error } from '../../shared/errors/auth0-error.js';
import { apply, decideCreate, decideUpdate, logStreamCreateSchema, openSink, type LogStreamState } from '../../shared/log-streams/index.js';
import { sinkDestinationFields, sinkSecretFields } from '../../shared/sinks/index.js';

const box = createSecretBox(randomBytes(32));
const ctx = { box, policy: {} };

const bodies = {
  http: { type: 'http', sink: { httpEndpoint: 'https://logs.example.com/in', httpAuthorization: 'Bearer old-token' } },
  splunk: { type: 'splunk', sink: { splunkDomain: 'splunk.example.com', splunkPort: '8088', splunkToken: 'hec-old', splunkSecure: true } },
  datadog: { type: 'datadog', sink: { datadogRegion: 'eu', datadogApiKey: 'dd-old' } },
  sumo: { type: 'sumo', sink: { sumoSourceAddress: 'https://endpoint1.collection.sumologic.com/receiver/v1/http/OLDCODE' } },
} as const;

/** A new value for each destination field, valid for its type. */
const moves: Record<string, Record<string, unknown>> = {
  httpEndpoint: { httpEndpoint: 'https://attacker.example.net/collect' },
  splunkDomain: { splunkDomain: 'attacker.example.net' },
  splunkPort: { splunkPort: '443' },
  splunkSecure: { splunkSecure: false },
  datadogRegion: { datadogRegion: 'us5' },
};
const newCredential: Record<string, unknown> = { httpAuthorization: 'Bearer new-token', splunkToken: 'hec-new', datadogApiKey: 'dd-new' };

function stream(type: keyof typeof bodies): LogStreamState {
  const result = apply(undefined, decideCreate(logStreamCreateSchema().parse(bodies[type]), { id: 'lst_0000000000000001', box, now: new Date() }), new Date().toISOString());
  return result.state!;
}

function refused(fn: () => unknown): Auth0Error {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof Auth0Error, String(err));
    return err;
  }
  assert.fail('the PATCH was accepted');
}

describe('sink credentials stay bound to their destination', () => {
  for (const type of ['http', 'splunk', 'datadog'] as const) {
    for (const field of sinkDestinationFields[type]) {
      it(`${type}: changing ${field} without the credential is a 400 naming it; with it, the change goes through`, () => {
        const state = stream(type);
        const [secret] = sinkSecretFields[type];
        const err = refused(() => decideUpdate(state, { sink: moves[field]! }, ctx));
        assert.equal(err.statusCode, 400);
        assert.equal(err.errorCode, 'invalid_body');
        assert.equal(err.message, `Payload validation error: 'Missing required property: ${secret}' on property sink (the credential must be given again when ${field} changes; it is never carried over to a new destination).`);
        assert.ok(!err.message.includes('old'), 'the stored credential is not quoted');

        const moved = decideUpdate(state, { sink: { ...moves[field], [secret!]: newCredential[secret!] } }, ctx);
        assert.ok(moved?.data.changes.sink_secrets_sealed, 'the new credential is sealed');
        const after = apply(state, moved!, new Date().toISOString()).state!;
        assert.equal(openSink(after, box)[secret!], newCredential[secret!]);
        // Giving the same credential again is giving it: whoever moves the stream knows it.
        assert.ok(decideUpdate(state, { sink: { ...moves[field], [secret!]: openSink(state, box)[secret!] } }, ctx));
      });
    }
  }

  it('keeping the destination and changing the credential, or anything else, needs nothing more', () => {
    const http = stream('http');
    assert.ok(decideUpdate(http, { sink: { httpAuthorization: 'Bearer rotated' } }, ctx));
    assert.ok(decideUpdate(http, { sink: { httpContentFormat: 'JSONARRAY' } }, ctx));
    assert.ok(decideUpdate(http, { name: 'renamed', status: 'paused' }, ctx));
    // Re-sending the current destination is no move.
    assert.equal(decideUpdate(http, { sink: { httpEndpoint: bodies.http.sink.httpEndpoint } }, ctx), undefined);
    const splunk = stream('splunk');
    assert.ok(decideUpdate(splunk, { sink: { splunkToken: 'hec-rotated' } }, ctx));
  });

  it('a stream without a credential (http without Authorization) may move; dropping the credential while moving is allowed', () => {
    const bare = apply(undefined, decideCreate(logStreamCreateSchema().parse({ type: 'http', sink: { httpEndpoint: 'https://a.example.com/in' } }), { id: 'lst_0000000000000002', box, now: new Date() }), new Date().toISOString()).state!;
    assert.ok(decideUpdate(bare, { sink: { httpEndpoint: 'https://b.example.com/in' } }, ctx));
    const http = stream('http');
    const dropped = decideUpdate(http, { sink: { httpEndpoint: 'https://b.example.com/in', httpAuthorization: null } }, ctx);
    assert.ok(dropped);
    assert.equal(openSink(apply(http, dropped, new Date().toISOString()).state!, box).httpAuthorization, undefined);
  });

  it('sumo: the source address is the credential, so a new address is a new credential', () => {
    const sumo = stream('sumo');
    assert.deepEqual(sinkDestinationFields.sumo, []);
    assert.ok(decideUpdate(sumo, { sink: { sumoSourceAddress: 'https://endpoint2.collection.sumologic.com/receiver/v1/http/NEWCODE' } }, ctx));
  });

  it('whatever else a PATCH carries, a moved destination without the credential never produces an event', () => {
    const arbPatch = fc.record({
      name: fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: undefined }),
      status: fc.option(fc.constantFrom('active' as const, 'paused' as const), { nil: undefined }),
      extra: fc.subarray(['splunkPort', 'splunkSecure', 'splunkDomain']),
    });
    fc.assert(
      fc.property(arbPatch, ({ name, status, extra }) => {
        const state = stream('splunk');
        const sink: Record<string, unknown> = { ...moves.splunkDomain };
        for (const f of extra) Object.assign(sink, moves[f]);
        const patch = { ...(name === undefined ? {} : { name }), ...(status === undefined ? {} : { status }), sink };
        assert.equal(refused(() => decideUpdate(state, patch, ctx)).statusCode, 400);
      }),
      { numRuns: 100 },
    );
  });
});
