// Stream health never hides a drop, and never shows a credential: a sink that refuses one entry
// leaves that entry in log-streams.dlq and in the stream's health (count and log_id) while every
// other entry arrives; a sink that quotes its credential back leaves no trace of it in Kafka,
// the health answer or the logs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DLQ_HEADERS } from '../../shared/kafka/index.js';
import { createLogger } from '../../shared/log/index.js';
import { credentialForms } from '../../shared/sinks/index.js';
import { eventually, readTopic, useKafka } from '../helpers/kafka.js';
import { newDataDir } from '../helpers/api.js';
import { startLogStreamsApi } from '../helpers/log-streams-api.js';
import { auditEntries, publish, startTestExporter } from '../helpers/exporter.js';
import { startEchoReceiver, startHttpReceiver } from '../helpers/receivers/index.js';

const READ = { scope: 'read:log_streams' };

describe('log stream health', () => {
  it('shows the one entry a sink refused (count, log_id, reason) while every other entry arrives', async (t) => {
    const k = await useKafka(t);
    const dataDir = await newDataDir(t);
    const http = await startHttpReceiver({ authorization: 'Bearer webhook-token', format: 'JSONLINES' });
    t.after(() => http.close());
    const api = await startLogStreamsApi(t, k, dataDir);
    await startTestExporter(t, k, { dataDir });
    const created = await api.call('POST', '/api/v2/log-streams', {
      body: { type: 'http', sink: { httpEndpoint: `${http.origin}/api/logs`, httpAuthorization: 'Bearer webhook-token' }, startFrom: 'beginning' },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const id: string = created.body.id;

    const entries = auditEntries(30);
    const poison = entries[7]!.log_id;
    http.refuse(poison);
    const ids = await publish(k, entries);
    const others = ids.filter((i) => i !== poison);
    await eventually(() => (others.every((i) => http.acceptedIds().has(i)) ? true : undefined), 30_000, 'every other entry at the receiver');

    const dead = await readTopic(k, k.names.logStreamDeadLetters, { atLeast: 1, settleMs: 500 });
    assert.deepEqual(dead.map((m) => m.key?.toString()), [poison], 'exactly the refused entry is dead-lettered');
    assert.equal(http.acceptedIds().has(poison), false);

    const health = await eventually(async () => {
      const h = await api.call('GET', `/api/v2/log-streams/${id}/health`, READ);
      return h.body.dead_letters?.count === 1 && h.body.lag === 0 ? h.body : undefined;
    }, 20_000, 'health counting the dead letter');
    assert.equal(health.status, 'active');
    assert.equal(health.dead_letters.last.log_id, poison);
    assert.match(health.dead_letters.last.reason, /http sink refused log_id \d{56}: HTTP 400/);
    assert.ok(!Number.isNaN(Date.parse(health.dead_letters.last.at)));
    assert.notEqual(health.last_error, null, 'a stream that dropped an entry does not report no error');
    assert.match(health.last_error.message, new RegExp(poison));
  });

  it('a sink echoing its credential leaves it in no dead letter, health record, suspension, /health answer or log line', async (t) => {
    const k = await useKafka(t);
    const dataDir = await newDataDir(t);
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', name: 'echo-test', destination: { write: (line: string) => void lines.push(line) } });
    const refusing = await startEchoReceiver({ status: 400 });
    const denying = await startEchoReceiver({ status: 401 });
    t.after(() => refusing.close());
    t.after(() => denying.close());
    const api = await startLogStreamsApi(t, k, dataDir, { log });
    const ex = await startTestExporter(t, k, { dataDir, log });

    const token = 'Bearer whk-5f0c1e9a7b3d';
    const code = 'ZaVnC4dhaVechoedcode';
    const http = await api.call('POST', '/api/v2/log-streams', { body: { type: 'http', sink: { httpEndpoint: `${refusing.origin}/api/logs`, httpAuthorization: token }, startFrom: 'beginning' } });
    const sumo = await api.call('POST', '/api/v2/log-streams', { body: { type: 'sumo', sink: { sumoSourceAddress: `${denying.origin}/receiver/v1/http/${code}` }, startFrom: 'beginning' } });
    assert.equal(http.status, 200);
    assert.equal(sumo.status, 200);
    await publish(k, auditEntries(3));

    // The http stream dead-letters each entry (400); the sumo stream is suspended (401).
    await readTopic(k, k.names.logStreamDeadLetters, { atLeast: 3 });
    await eventually(() => (ex.state(sumo.body.id)?.status === 'suspended' ? true : undefined), 20_000, 'sumo suspended');
    const httpHealth = await eventually(async () => {
      const h = await api.call('GET', `/api/v2/log-streams/${http.body.id}/health`, READ);
      return h.body.dead_letters.count === 3 && h.body.last_error !== null ? h.body : undefined;
    }, 20_000, 'http health');
    const sumoHealth = await eventually(async () => {
      const h = await api.call('GET', `/api/v2/log-streams/${sumo.body.id}/health`, READ);
      return h.body.suspension !== undefined && h.body.last_error !== null ? h.body : undefined;
    }, 20_000, 'sumo health');
    assert.match(JSON.stringify(httpHealth), /refused/, 'the sink answer is still shown');
    assert.equal(sumoHealth.suspension.status, 401);
    await ex.stop();
    await api.stop();

    const secrets = [token, 'whk-5f0c1e9a7b3d', code].flatMap(credentialForms);
    const stored = [
      ...(await readTopic(k, k.names.logStreamDeadLetters)).map((m) => JSON.stringify(Object.fromEntries(Object.entries(m.headers ?? {}).map(([h, v]) => [h, String(v)])))),
      ...(await readTopic(k, k.names.logStreamHealth)).map((m) => m.value?.toString() ?? ''),
      ...(await readTopic(k, k.names.logStreamEvents)).map((m) => m.value?.toString() ?? ''),
    ];
    assert.ok(stored.some((s) => s.includes(DLQ_HEADERS.error)), 'the dead letters were read');
    const places = { stored: stored.join('\n'), served: JSON.stringify([httpHealth, sumoHealth]), logged: lines.join('') };
    assert.ok(places.logged.includes('refused'), 'the logs were captured and carry the refusal');
    for (const [where, text] of Object.entries(places)) {
      for (const form of secrets) assert.ok(!text.includes(form), `${where} contains ${JSON.stringify(form)}`);
    }
  });
});
