// `npm run chaos`, CI-sized: the crash and the sink outage through the same code, on the test
// broker (neither kills it; the broker outage is test/e2e/broker-outage.test.ts). The whole system
// as `npm start` runs it is SIGKILLed mid-load and restarted, then its log stream's receiver
// answers 503 and then refuses connections for a while: everything acknowledged must be in the
// state, in ClickHouse once, and at the receiver, with nothing dead-lettered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crash, sinkOutage, type ScenarioResult, type Timing } from '../../scripts/chaos/scenarios.js';
import { startChaosSystem } from '../../scripts/chaos/system.js';
import { figuresTable } from '../../scripts/chaos/table.js';
import { acknowledged } from '../../scripts/chaos/load.js';
import { testBrokers } from '../helpers/kafka.js';

const timing = (faultMs: number): Timing => ({ warmupMs: 4_000, faultMs, afterMs: 2_000, settleTimeoutMs: 60_000 });

function assertNothingLost(r: ScenarioResult): void {
  const acked = r.outcomes.filter(acknowledged);
  assert.ok(acked.some((o) => o.phase === 'before') && acked.some((o) => o.phase === 'after'), `${r.name}: writes were acknowledged before and after the fault`);
  assert.deepEqual(r.figures.stateMissing, [], `${r.name}: the state holds every acknowledged action`);
  assert.deepEqual(r.figures.clickhouse.missing, [], `${r.name}: every acknowledged action is in ClickHouse`);
  assert.deepEqual(r.figures.clickhouse.duplicated, [], `${r.name}: once`);
  assert.deepEqual(r.figures.receiver.missing, [], `${r.name}: every acknowledged action reached the log stream`);
  assert.deepEqual(r.figures.receiver.duplicated, [], `${r.name}: deduplicated by log_id, one entry per action at the receiver`);
  assert.equal(r.deadLetters, 0, `${r.name}: nothing dead-lettered`);
  assert.deepEqual(r.violations, []);
}

test('chaos, CI-sized: a crash and a sink outage mid-load lose and duplicate nothing acknowledged', { timeout: 240_000 }, async (t) => {
  const sys = await startChaosSystem({ brokers: testBrokers() });
  t.after(() => sys.close());

  const crashed = await crash(sys, timing(0));
  const sink = await sinkOutage(sys, timing(12_000));
  console.log(figuresTable([crashed, sink]));

  assertNothingLost(crashed);
  // The kill was real: requests went unanswered until the new process answered on the same origin.
  assert.ok(crashed.outcomes.some((o) => o.phase === 'fault' && o.status === 'no answer'), 'no answers while the process was down');
  assert.notEqual(crashed.recoveryMs, undefined);

  assertNothingLost(sink);
  // The sink is not on the write path: writes go on being acknowledged while it is down.
  assert.ok(sink.outcomes.some((o) => o.phase === 'fault' && acknowledged(o)), 'writes acknowledged during the sink outage');
  assert.ok(sink.appAlive);
  // The exporter did meet the outage: the receiver refused requests, then took them again.
  assert.ok(sys.receiver.requests.some((r) => r.status === 503), 'the receiver answered 503 to a delivery');
  assert.notEqual(sink.recoveryMs, undefined, 'the receiver caught up after it came back');
});
