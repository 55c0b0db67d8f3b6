// A sink that quotes the credential back (body and headers, raw, base64, URL-encoded): the
// outcome the sink client reports, which is all that leaves the delivery code, carries none of it.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import {
  createSinkClient, credentialForms, datadogSink, httpSink, RESPONSE_BODY_LIMIT, splunkSink, streamContext, sumoSink,
  type DeliveryOutcome, type SinkClient, type SinkDefinition,
} from '../../shared/sinks/index.js';
import { startEchoReceiver, startReceiver, type Receiver } from '../helpers/receivers/index.js';
import { auditEntries } from '../helpers/exporter.js';

const ctx = (r: Receiver) => streamContext({ streamId: 'lst_0000000000000007', allowInsecureLoopback: true, datadogIntakeUrl: r.origin });

function open<C>(t: TestContext, sink: SinkDefinition<C>, config: unknown, r: Receiver): SinkClient {
  const client = createSinkClient(sink, sink.schema({ allowInsecureLoopback: true }).parse(config), ctx(r), { timeoutMs: 3000 });
  t.after(() => client.close());
  return client;
}

const sinksUnder = (r: Receiver) => [
  { name: 'http', secrets: ['Bearer whk-8c1f0e77d2', 'whk-8c1f0e77d2'], sink: httpSink as SinkDefinition<unknown>, config: { httpEndpoint: `${r.origin}/logs`, httpAuthorization: 'Bearer whk-8c1f0e77d2' } },
  { name: 'splunk', secrets: ['hec-5b9a-44c1'], sink: splunkSink as SinkDefinition<unknown>, config: { splunkDomain: '127.0.0.1', splunkPort: String(r.port), splunkToken: 'hec-5b9a-44c1', splunkSecure: true } },
  { name: 'datadog', secrets: ['dd0a1b2c3d4e5f'], sink: datadogSink as SinkDefinition<unknown>, config: { datadogApiKey: 'dd0a1b2c3d4e5f', datadogRegion: 'eu' } },
  { name: 'sumo', secrets: ['ZaVnC4dhaVsecretcode'], sink: sumoSink as SinkDefinition<unknown>, config: { sumoSourceAddress: `${r.origin}/receiver/v1/http/ZaVnC4dhaVsecretcode` } },
];

function assertClean(outcome: DeliveryOutcome, secrets: readonly string[], what: string): void {
  const text = JSON.stringify(outcome);
  for (const form of secrets.flatMap(credentialForms)) assert.ok(!text.includes(form), `${what}: ${JSON.stringify(form)} in ${text}`);
}

describe('sink answers are redacted of the stream credentials', () => {
  for (const status of [400, 401, 503]) {
    it(`an echoing ${status} answer keeps the refusal but not the credential, for every sink`, async (t) => {
      const echo = await startEchoReceiver({ status });
      t.after(() => echo.close());
      for (const s of sinksUnder(echo)) {
        const outcome = await open(t, s.sink, s.config, echo).deliver(auditEntries(2));
        assert.equal(outcome.kind, status === 503 ? 'retry' : 'reject', s.name);
        assert.match(JSON.stringify(outcome), /refused/, `${s.name}: the answer is still there to read`);
        assertClean(outcome, s.secrets, s.name);
      }
    });
  }

  it('a credential straddling the response-body limit is redacted whole, not cut to a prefix', async (t) => {
    const token = 'tok-straddle-0123456789abcdef';
    const receiver = await startReceiver({
      encodings: [], maxBytes: 5_000_000, tooLarge: () => ({ status: 413 }), unsupportedEncoding: () => ({ status: 415 }), badEncoding: () => ({ status: 400 }),
      failureBody: () => undefined, authorize: () => undefined,
      handle: () => ({ status: 400, body: `${'é'.repeat(100)}${'x'.repeat(RESPONSE_BODY_LIMIT - 210)}${token} and more` }),
    });
    t.after(() => receiver.close());
    const outcome = await open(t, httpSink, { httpEndpoint: `${receiver.origin}/logs`, httpAuthorization: `Bearer ${token}` }, receiver).deliver(auditEntries(1));
    assert.equal(outcome.kind, 'reject');
    assert.ok(outcome.kind === 'reject' && Buffer.byteLength(outcome.responseBody) <= RESPONSE_BODY_LIMIT);
    assert.ok(!JSON.stringify(outcome).includes(token.slice(0, 8)), 'not even the start of the token');
  });
});
