// Whatever the audit service can write, every sink delivers: generated entries (every type, unicode,
// nested bodies, absent optional fields, whatever AuditEntrySchema grows) are encoded by each sink
// and format, sent to the local receiver that checks the vendor's protocol, and read back as that
// receiver reads them: the same entries, same log_ids, same content, in order.
// No Kafka: every server is on 127.0.0.1.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { AuditEntry } from '../../shared/audit/index.js';
import {
  createSinkClient, datadogSink, httpSink, splunkSink, streamContext, sumoSink, type SinkClient, type SinkDefinition, type StreamContext,
} from '../../shared/sinks/index.js';
import { startDatadogReceiver, startHttpReceiver, startSplunkReceiver, startSumoReceiver, type Receiver } from '../helpers/receivers/index.js';
import { arbAuditEntry, arbRequestEntry } from '../helpers/arbitraries.js';

const SENDER_HOST = 'sender.apptrail.test';

interface Case {
  name: string;
  start(): Promise<Receiver>;
  client(r: Receiver, ctx: StreamContext): SinkClient;
  /** What the receiver kept, back to the audit entry it was made from. */
  decode(kept: Record<string, unknown>): unknown;
}

function open<C>(sink: SinkDefinition<C>, config: unknown, ctx: StreamContext): SinkClient {
  return createSinkClient(sink, sink.schema({ allowInsecureLoopback: true }).parse(config), ctx, { timeoutMs: 5000 });
}

const asIs = (kept: Record<string, unknown>) => kept;

const cases: Case[] = [
  {
    name: 'splunk HEC',
    start: () => startSplunkReceiver({ token: 'hec-token' }),
    client: (r, ctx) => open(splunkSink, { splunkDomain: '127.0.0.1', splunkPort: String(r.port), splunkToken: 'hec-token', splunkSecure: true }, ctx),
    decode: asIs, // the receiver keeps each envelope's `event`
  },
  {
    name: 'sumo',
    start: () => startSumoReceiver({ code: 'ZaVnC4dhaV' }),
    client: (r, ctx) => open(sumoSink, { sumoSourceAddress: `${r.origin}/receiver/v1/http/ZaVnC4dhaV` }, ctx),
    decode: asIs,
  },
  {
    name: 'datadog',
    start: () => startDatadogReceiver({ apiKey: 'dd-key' }),
    client: (r, ctx) => open(datadogSink, { datadogApiKey: 'dd-key', datadogRegion: 'us' }, { ...ctx, datadogIntakeUrl: r.origin }),
    // Datadog's reserved attributes are ours, except `hostname`, which is the entry's when it has one.
    decode: ({ ddsource: _s, ddtags: _t, service: _v, message: _m, hostname, ...entry }) => ({ ...entry, hostname: hostname === SENDER_HOST ? '' : hostname }),
  },
  ...(['JSONLINES', 'JSONARRAY', 'JSONOBJECT'] as const).map((format): Case => ({
    name: `http ${format}`,
    start: () => startHttpReceiver({ authorization: 'Bearer t', format }),
    client: (r, ctx) => open(httpSink, { httpEndpoint: `${r.origin}/api/logs`, httpContentFormat: format, httpAuthorization: 'Bearer t' }, ctx),
    decode: asIs, // the receiver checks `log_id` against `data.log_id` and keeps `data`
  })),
];

async function using(t: TestContext, c: Case): Promise<{ receiver: Receiver; client: SinkClient }> {
  const receiver = await c.start();
  const client = c.client(receiver, streamContext({ streamId: 'lst_0000000000004242', host: SENDER_HOST, allowInsecureLoopback: true }));
  t.after(async () => {
    await client.close();
    await receiver.close();
  });
  return { receiver, client };
}

/** JSON has no undefined: derived entries may carry `body: undefined`, which is the same entry as no body. */
const asJson = (entries: readonly AuditEntry[]): unknown => JSON.parse(JSON.stringify(entries));

async function roundTrip(c: Case, receiver: Receiver, client: SinkClient, batch: AuditEntry[]): Promise<void> {
  const before = receiver.entries.length;
  for (const group of client.plan(batch)) {
    const outcome = await client.deliver(group);
    assert.equal(outcome.kind, 'ok', `${c.name}: ${JSON.stringify(outcome)}`);
  }
  const received = receiver.entries.slice(before).map((kept) => c.decode(kept));
  assert.deepStrictEqual(received, asJson(batch));
}

describe('every valid entry reaches every sink unchanged', () => {
  for (const c of cases) {
    it(`${c.name}: generated entries of every shape`, async (t) => {
      const { receiver, client } = await using(t, c);
      await fc.assert(fc.asyncProperty(fc.array(arbAuditEntry, { minLength: 1, maxLength: 5 }), (batch) => roundTrip(c, receiver, client, batch)), { numRuns: 60 });
    });

    it(`${c.name}: fapi and mgmt_api_read entries as derived from audit.requests`, async (t) => {
      const { receiver, client } = await using(t, c);
      await fc.assert(fc.asyncProperty(fc.array(arbRequestEntry, { minLength: 1, maxLength: 5 }), (batch) => roundTrip(c, receiver, client, batch)), { numRuns: 30 });
    });
  }
});
