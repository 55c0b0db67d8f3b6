// Fault injection on the real parts: the whole system (`services/main.ts`, every role) as a child
// process on a broker of this test's own, which is SIGKILLed mid-load, kept down, and restarted on
// the same port and data. The process must stay up, answer 503 + Retry-After to writes and 200
// (flagged stale) or 503 to reads meanwhile, recover by itself, and lose nothing it acknowledged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { startLocalBroker, type LocalBroker } from '../../shared/kafka/local-broker.js';
import { startHttpReceiver } from '../helpers/receivers/index.js';
import { eventually } from '../helpers/kafka.js';
import { freePortPair, startAppProcess } from '../helpers/app-process.js';

const OUTAGE_MS = 30_000;
const WRITE_BOUND_MS = 10_000;
// The read wait is 1.5 s; the margin is for a CPU shared with brokers and the load itself.
const READ_BOUND_MS = 2_500;

type Phase = 'before' | 'outage' | 'after';
type Kind = 'create' | 'patch' | 'delete' | 'read';

interface Outcome {
  id: number;
  kind: Kind;
  phase: Phase;
  clientId: string | undefined;
  /** The description a patch set (each patch writes a value of its own). */
  value?: string;
  status: number | 'no answer';
  ms: number;
  retryAfter: string | null;
  stale: string | null;
  errorCode?: string;
}

test('apptrail survives a broker outage mid-load and recovers by itself, losing nothing it acknowledged', { timeout: 420_000 }, async (t) => {
  const kafkaPort = await freePortPair();
  const kafkaDir = await mkdtemp(join(tmpdir(), 'apptrail-outage-kafka-'));
  const dataDir = await mkdtemp(join(tmpdir(), 'apptrail-outage-data-'));
  let broker: LocalBroker = await startLocalBroker({ port: kafkaPort, dataDir: kafkaDir });
  t.after(async () => {
    await broker.stop();
    await rm(kafkaDir, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  });

  const receiver = await startHttpReceiver({ format: 'JSONLINES' });
  t.after(() => receiver.close());

  const app = startAppProcess({
    KAFKA_BROKERS: broker.brokers.join(','),
    KAFKA_TOPIC_PREFIX: `outage-${randomUUID().slice(0, 8)}.`,
    DATA_DIR: dataDir,
    PORT: String(await freePortPair()),
    ROLES: 'api,projector,audit,exporter',
    LOG_STREAMS_ALLOW_INSECURE_LOOPBACK: 'true',
    LOG_LEVEL: 'warn',
  });
  t.after(async () => {
    app.child.kill('SIGKILL');
    // For a post-mortem: OUTAGE_TEST_OUTPUT=<file> keeps what the process logged.
    if (process.env.OUTAGE_TEST_OUTPUT) await writeFile(process.env.OUTAGE_TEST_OUTPUT, app.output());
  });
  const token = await app.token();
  const ready = async () => (await fetch(`${app.origin}/readyz`, { signal: AbortSignal.timeout(5_000) })).status;
  await eventually(async () => ((await ready()) === 200 ? true : undefined), 120_000, `/readyz (output: ${app.output().slice(-1000)})`);

  const stream = await fetch(`${app.origin}/api/v2/log-streams`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'outage receiver', type: 'http', startFrom: 'beginning', sink: { httpEndpoint: `${receiver.origin}/api/logs`, httpContentFormat: 'JSONLINES' } }),
  });
  assert.equal(stream.status, 200, await stream.text());

  // The load: creates, patches and deletes at a modest rate, one action per client at a time, each
  // with a user agent of its own, which its audit entry carries (how it is found afterwards).
  let phase: Phase = 'before';
  let running = true;
  let nextId = 0;
  const outcomes: Outcome[] = [];
  const live: string[] = [];
  const busy = new Set<string>();
  const userAgent = (id: number) => `apptrail-outage-test/${id}`;

  async function call(kind: Kind, method: string, path: string, clientId: string | undefined, body?: unknown, value?: string): Promise<Outcome & { body: unknown }> {
    const id = nextId++;
    const startedPhase = phase;
    const started = performance.now();
    let status: number | 'no answer' = 'no answer';
    let parsed: unknown;
    let headers: Headers | undefined;
    try {
      const res = await fetch(`${app.origin}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'user-agent': userAgent(id), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
      status = res.status;
      headers = res.headers;
      const text = await res.text();
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // no answer within 30 s: recorded as such, and fails the assertions below
    }
    const outcome: Outcome = {
      id,
      kind,
      phase: startedPhase === phase ? phase : 'outage', // an action straddling a phase change counts as during the outage
      clientId,
      ...(value === undefined ? {} : { value }),
      status,
      ms: performance.now() - started,
      retryAfter: headers?.get('retry-after') ?? null,
      stale: headers?.get('x-apptrail-stale') ?? null,
      ...(typeof (parsed as { errorCode?: unknown })?.errorCode === 'string' ? { errorCode: (parsed as { errorCode: string }).errorCode } : {}),
    };
    outcomes.push(outcome);
    return { ...outcome, body: parsed };
  }

  async function writer(): Promise<void> {
    while (running) {
      const idle = live.filter((c) => !busy.has(c));
      const roll = Math.random();
      if (idle.length < 3 || roll < 0.4) {
        const res = await call('create', 'POST', '/api/v2/clients', undefined, { name: `outage-${nextId}` });
        if (res.status === 201) {
          const created = (res.body as { client_id: string }).client_id;
          outcomes[outcomes.length - 1] = { ...outcomes.at(-1)!, clientId: created };
          live.push(created);
        }
      } else {
        const target = idle[Math.floor(Math.random() * idle.length)]!;
        busy.add(target);
        if (roll < 0.85) {
          const value = `v-${randomUUID().slice(0, 8)}`;
          await call('patch', 'PATCH', `/api/v2/clients/${target}`, target, { description: value }, value);
        } else {
          const res = await call('delete', 'DELETE', `/api/v2/clients/${target}`, target);
          if (res.status === 204) live.splice(live.indexOf(target), 1);
        }
        busy.delete(target);
      }
      await delay(100);
    }
  }

  async function reader(): Promise<void> {
    while (running) {
      await call('read', 'GET', '/api/v2/clients?per_page=5', undefined);
      const one = live[0];
      if (one) await call('read', 'GET', `/api/v2/clients/${one}`, one);
      await call('read', 'GET', '/api/v2/log-streams', undefined);
      await delay(250);
    }
  }

  const load = Promise.all([writer(), writer(), reader()]);
  await delay(8_000);

  // The outage: SIGKILL, as a crashed JVM or a lost node; no clean shutdown.
  phase = 'outage';
  process.kill(broker.pid!, 'SIGKILL');
  const outageStarted = Date.now();
  const readiness: number[] = [];
  while (Date.now() - outageStarted < OUTAGE_MS) {
    readiness.push(await ready().catch(() => 0));
    assert.ok(app.alive(), `the process exited during the outage:\n${app.output().slice(-3000)}`);
    await delay(2_000);
  }
  broker = await startLocalBroker({ port: kafkaPort, dataDir: kafkaDir });
  phase = 'after';
  const restartedAt = Date.now();

  // Recovery: writes succeed again, by themselves, in the same process.
  await eventually(() => (outcomes.filter((o) => o.phase === 'after' && o.kind !== 'read' && o.status.toString().startsWith('2')).length >= 10 ? true : undefined), 180_000, 'writes to succeed again after the broker returned');
  const recoveredInMs = Date.now() - restartedAt;
  await eventually(async () => ((await ready()) === 200 ? true : undefined), 60_000, '/readyz to report ready again');
  await delay(3_000);
  running = false;
  await load;
  assert.ok(app.alive(), 'the process is still the same one');

  // What was acknowledged, and where it must be.
  const acked = outcomes.filter((o) => o.kind !== 'read' && typeof o.status === 'number' && o.status >= 200 && o.status < 300);
  const ackedUa = new Map(acked.map((o) => [userAgent(o.id), o]));
  type Entry = { type: string; user_agent: string; log_id: string };
  const exported = async (): Promise<Entry[]> => {
    const res = await fetch(`${app.origin}/api/v2/logs/export?q=type:sapi&format=ndjson`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    return (await res.text()).split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Entry);
  };
  const inTrail = (entries: readonly Entry[]) => entries.filter((e) => ackedUa.has(e.user_agent));
  const stored = await eventually(async () => {
    const mine = inTrail(await exported());
    return new Set(mine.map((e) => e.user_agent)).size === ackedUa.size ? mine : undefined;
  }, 120_000, 'every acknowledged action in ClickHouse').catch(async () => inTrail(await exported()));
  const delivered = await eventually(() => {
    const mine = inTrail(receiver.entries as unknown as Entry[]);
    return new Set(mine.map((e) => e.user_agent)).size === ackedUa.size ? mine : undefined;
  }, 120_000, 'every acknowledged action at the log stream receiver').catch(() => inTrail(receiver.entries as unknown as Entry[]));

  // The state: every acknowledged create is there unless an acknowledged delete removed it; a
  // patch's value holds unless a later write to the client (possibly one answered 503) replaced it.
  const stateMissing: string[] = [];
  const get = async (id: string) => {
    const res = await fetch(`${app.origin}/api/v2/clients/${id}`, { headers: { authorization: `Bearer ${token}` } });
    return { res, stale: res.headers.get('x-apptrail-stale') };
  };
  // The broker is back: reads must be confirmed complete again, not flagged stale.
  await eventually(async () => ((await get(live[0] ?? 'none')).stale === null ? true : undefined), 60_000, 'reads to stop being flagged stale');
  for (const created of acked.filter((o) => o.kind === 'create')) {
    const id = created.clientId!;
    const { res, stale } = await get(id);
    if (stale !== null) stateMissing.push(`${id}: read flagged stale (${stale}) after recovery`);
    const deleted = acked.some((o) => o.kind === 'delete' && o.clientId === id);
    if (deleted) {
      if (res.status !== 404) stateMissing.push(`${id}: deleted (204) but GET answers ${res.status}`);
      continue;
    }
    if (res.status !== 200) {
      stateMissing.push(`${id}: created (201, ${created.phase}, ${Math.round(created.ms)} ms) but GET answers ${res.status}`);
      continue;
    }
    const description = ((await res.json()) as { description?: string }).description;
    const writes = outcomes.filter((o) => o.kind === 'patch' && o.clientId === id);
    const lastAcked = writes.findLast((o) => acked.includes(o));
    const possible = new Set(writes.filter((o) => !lastAcked || o.id >= lastAcked.id).map((o) => o.value));
    if (lastAcked && !possible.has(description)) stateMissing.push(`${id}: description ${description}, expected ${lastAcked.value} or a later attempt`);
  }

  const count = (entries: readonly Entry[]) => {
    const byUa = new Map<string, number>();
    for (const e of entries) byUa.set(e.user_agent, (byUa.get(e.user_agent) ?? 0) + 1);
    const byLogId = new Map<string, number>();
    for (const e of entries) byLogId.set(e.log_id, (byLogId.get(e.log_id) ?? 0) + 1);
    return {
      present: byUa.size,
      missing: [...ackedUa.keys()].filter((ua) => !byUa.has(ua)),
      duplicated: [...byLogId.values()].filter((n) => n > 1).length,
      moreThanOneEntry: [...byUa.entries()].filter(([, n]) => n > 1).map(([ua]) => ua),
      // Deduplicated by log_id, an action must leave exactly one entry.
      distinctEntriesPerAction: new Set([...new Map(entries.map((e) => [e.log_id, e.user_agent])).values()].filter((ua, i, all) => all.indexOf(ua) !== i)),
    };
  };
  const ch = count(stored);
  const rx = count(delivered);

  const writes = outcomes.filter((o) => o.kind !== 'read');
  const reads = outcomes.filter((o) => o.kind === 'read');
  const duringOutage = (list: Outcome[]) => list.filter((o) => o.phase === 'outage');
  const by = (list: Outcome[]) => {
    const counts = new Map<string, number>();
    for (const o of list) counts.set(String(o.status), (counts.get(String(o.status)) ?? 0) + 1);
    return [...counts].map(([s, n]) => `${s}×${n}`).join(' ');
  };
  const maxMs = (list: Outcome[]) => Math.round(Math.max(0, ...list.map((o) => o.ms)));
  console.log(
    [
      `broker down ${OUTAGE_MS / 1000}s, then restarted; writes succeeded again ${(recoveredInMs / 1000).toFixed(1)}s after it was back`,
      `writes: ${writes.length} (before/during/after: ${['before', 'outage', 'after'].map((p) => writes.filter((o) => o.phase === p).length).join('/')}); during the outage ${by(duringOutage(writes))}, slowest ${maxMs(duringOutage(writes))} ms`,
      `reads: ${reads.length}; during the outage ${by(duringOutage(reads))}, ${duringOutage(reads).filter((o) => o.stale !== null).length} flagged stale, slowest ${maxMs(duringOutage(reads))} ms`,
      `/readyz during the outage: ${readiness.join(' ')}`,
      `accepted (2xx): ${acked.length} (${['create', 'patch', 'delete'].map((k) => `${acked.filter((o) => o.kind === k).length} ${k}`).join(', ')})`,
      `state: ${acked.filter((o) => o.kind === 'create').length - stateMissing.length} of ${acked.filter((o) => o.kind === 'create').length} clients as acknowledged${stateMissing.length ? `; not: ${stateMissing.join('; ')}` : ''}`,
      `clickhouse: present ${ch.present}, missing ${ch.missing.length}, duplicated log_ids ${ch.duplicated}`,
      `receiver: present ${rx.present}, missing ${rx.missing.length}, duplicated deliveries ${rx.duplicated} (at-least-once; deduped by log_id)`,
    ].join('\n'),
  );

  assert.deepEqual(outcomes.filter((o) => o.status === 'no answer' || (typeof o.status === 'number' && o.status >= 500 && o.status !== 503)).map((o) => `${o.kind} ${o.status}`), [], 'never a 5xx other than 503, never no answer');
  for (const o of duringOutage(writes)) {
    assert.ok(o.ms <= WRITE_BOUND_MS, `a write during the outage took ${Math.round(o.ms)} ms`);
    if (o.status === 503) {
      assert.equal(o.errorCode, 'temporarily_unavailable');
      assert.ok(o.retryAfter !== null && Number(o.retryAfter) > 0, 'a 503 carries Retry-After');
    }
  }
  assert.ok(duringOutage(writes).some((o) => o.status === 503), 'writes were refused during the outage');
  for (const o of duringOutage(reads)) {
    assert.ok(o.status === 200 || (o.status === 503 && o.retryAfter !== null), `a read during the outage answered ${o.status}`);
    assert.ok(o.ms <= READ_BOUND_MS, `a read during the outage took ${Math.round(o.ms)} ms`);
  }
  assert.ok(duringOutage(reads).some((o) => o.stale !== null), 'reads during the outage say they may be stale');
  assert.ok(readiness.includes(503), '/readyz reports not ready while the broker is down');
  assert.deepEqual(stateMissing, [], 'state holds every acknowledged action');
  assert.deepEqual(ch.missing, [], 'every acknowledged action is in ClickHouse');
  assert.deepEqual(ch.moreThanOneEntry, [], 'exactly one ClickHouse entry per acknowledged action');
  assert.deepEqual(rx.missing, [], 'every acknowledged action reached the log stream');
  assert.equal(rx.distinctEntriesPerAction.size, 0, 'deduplicated by log_id, one entry per action at the receiver');
  assert.doesNotMatch(app.output(), /unhandled promise rejection|uncaught/i, 'nothing escaped to the process-level guard');
});
