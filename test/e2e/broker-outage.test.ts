// Fault injection on the real parts: the whole system (`services/main.ts`, every role) as a child
// process on a broker of this test's own, which is SIGKILLed mid-load, kept down, and restarted on
// the same port and data. The process must stay up, answer 503 + Retry-After to writes and 200
// (flagged stale) or 503 to reads meanwhile, recover by itself, and lose nothing it acknowledged.
// The scenario is `npm run chaos`'s own (scripts/chaos); this test adds the bounds CI holds it to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { brokerOutage } from '../../scripts/chaos/scenarios.js';
import { startChaosSystem } from '../../scripts/chaos/system.js';
import { figuresTable } from '../../scripts/chaos/table.js';

const OUTAGE_MS = 30_000;
const WRITE_BOUND_MS = 10_000;
// The read wait is 1.5 s; the margin is for a CPU shared with brokers and the load itself.
const READ_BOUND_MS = 2_500;

test('apptrail survives a broker outage mid-load and recovers by itself, losing nothing it acknowledged', { timeout: 420_000 }, async (t) => {
  // For a post-mortem: OUTAGE_TEST_OUTPUT=<file> keeps what the process logged.
  const sys = await startChaosSystem({ outputFile: process.env.OUTAGE_TEST_OUTPUT });
  t.after(() => sys.close());

  const r = await brokerOutage(sys, { warmupMs: 8_000, faultMs: OUTAGE_MS, afterMs: 3_000, settleTimeoutMs: 120_000 });
  console.log(figuresTable([r]));

  const writes = r.outcomes.filter((o) => o.kind !== 'read');
  const reads = r.outcomes.filter((o) => o.kind === 'read');
  const duringOutage = <T extends { phase: string }>(list: T[]) => list.filter((o) => o.phase === 'fault');

  assert.deepEqual(r.outcomes.filter((o) => o.status === 'no answer' || (typeof o.status === 'number' && o.status >= 500 && o.status !== 503)).map((o) => `${o.kind} ${o.status}`), [], 'never a 5xx other than 503, never no answer');
  assert.ok(r.appAlive, `the process exited during the outage:\n${sys.app().output().slice(-3000)}`);
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
  assert.ok(r.readiness.includes(503), '/readyz reports not ready while the broker is down');
  assert.notEqual(r.recoveryMs, undefined, 'writes succeed again after the broker returned');
  // Recovery: in the same process, /readyz ready again and reads no longer flagged stale (a stale
  // read after recovery counts as missing from the state).
  assert.ok(sys.app().alive(), 'the process is still the same one');
  assert.equal(await sys.readiness(), 200, '/readyz reports ready again');
  assert.deepEqual(r.figures.stateMissing, [], 'state holds every acknowledged action');
  assert.deepEqual(r.figures.clickhouse.missing, [], 'every acknowledged action is in ClickHouse');
  assert.deepEqual(r.figures.clickhouse.duplicated, [], 'exactly one ClickHouse entry per acknowledged action');
  assert.deepEqual(r.figures.receiver.missing, [], 'every acknowledged action reached the log stream');
  assert.deepEqual(r.figures.receiver.duplicated, [], 'deduplicated by log_id, one entry per action at the receiver');
  assert.doesNotMatch(sys.app().output(), /unhandled promise rejection|uncaught/i, 'nothing escaped to the process-level guard');
});
