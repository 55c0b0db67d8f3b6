// ClickHouse failing for a while under a write load, end to end: the clients API on a real broker,
// the audit consumer writing through a ClickHouse handle that first refuses every insert with a
// transient error (connection refused, or a ClickHouse TIMEOUT_EXCEEDED), then answers slowly,
// then recovers; the exporter delivering to a local HTTP log stream. A transient failure must
// never lose, duplicate or degrade an entry, nor dead-letter a record, and writes must not depend
// on ClickHouse: the API answers them all the while.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import fc from 'fast-check';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import type { ClickHouseHandle } from '../../shared/clickhouse/index.js';
import { eventually, readTopic } from '../helpers/kafka.js';
import { startAuditSystem } from '../helpers/audit-system.js';
import { arbCommand, arbOrdinaryCommand, describeCommand, execute, newRun, runPrefix, type CommandRun } from '../helpers/client-commands.js';
import { checkTrail, summarise, type TrailFigures } from '../helpers/trail-check.js';

type Phase = 'up' | 'down' | 'slow';

const DOWN_MS = 10_000;
const SLOW_MS = 8_000;
const SLOW_INSERT_MS = 3_000;
const WORKERS = 3;
/** What ClickHouse does, for how long at least, and how many commands each worker sends meanwhile. */
const PHASES: Array<[Phase, number, number]> = [['up', 500, 10], ['down', DOWN_MS, 120], ['slow', SLOW_MS, 80], ['up', 1_000, 30]];

/** Transient failures as a refused connection and a server-side timeout raise them. */
function refusedOrTimedOut(n: number): Error {
  if (n % 2 === 0) return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' });
  return Object.assign(new Error('Timeout exceeded: elapsed 10000 ms, maximum: 10000 ms'), { code: '159', type: 'TIMEOUT_EXCEEDED' });
}

/**
 * The error @clickhouse/client itself raises when a ClickHouse server accepts the connection but
 * does not answer within request_timeout (a hung or overloaded server): made by the real client
 * against a local server that never answers.
 */
async function clientRequestTimeout(): Promise<Error> {
  const server = createServer(() => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const client = createClient({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, request_timeout: 200, log: { level: ClickHouseLogLevel.OFF } });
  try {
    await client.insert({ table: 'audit_log', values: [{}], format: 'JSONEachRow' });
    throw new Error('the silent server answered');
  } catch (err) {
    return err as Error;
  } finally {
    await client.close();
    server.closeAllConnections();
    server.close();
  }
}

/** The handle the audit consumer writes through: `phase` decides what its inserts do. */
function faultyClickHouse(state: { phase: Phase; failed: number; slowed: number; inserted: number }, transientError: (n: number) => Error) {
  return (ch: Pick<ClickHouseHandle, 'client'>): Pick<ClickHouseHandle, 'client'> => ({
    client: new Proxy(ch.client, {
      get(target, prop, receiver) {
        if (prop !== 'insert') return Reflect.get(target, prop, receiver);
        return async (...args: Parameters<typeof target.insert>) => {
          if (state.phase === 'down') throw transientError(state.failed++);
          if (state.phase === 'slow') {
            state.slowed++;
            await delay(SLOW_INSERT_MS);
          }
          const result = await target.insert(...args);
          state.inserted++;
          return result;
        };
      },
    }),
  });
}

async function outageUnderLoad(t: TestContext, transientError: (n: number) => Error): Promise<void> {
  const state = { phase: 'up' as Phase, failed: 0, slowed: 0, inserted: 0 };
  const system = await startAuditSystem(t, { wrapClickHouse: faultyClickHouse(state, transientError) });
  const seed = Number(process.env.GEN_SEED ?? Date.now() % 2 ** 31);
  t.diagnostic(`load seed ${seed} (GEN_SEED=${seed} to replay the same commands)`);
  // Generated commands (odd bodies, refusals) and ordinary ones, half and half.
  const commands = fc.sample(fc.oneof(arbCommand, arbOrdinaryCommand), { numRuns: WORKERS * PHASES.reduce((n, [, , count]) => n + count, 0), seed });

  const prefix = runPrefix('fault');
  const runs: CommandRun[] = Array.from({ length: WORKERS }, (_, w) => newRun('fault', `${prefix}w${w}-`));
  const answeredWhileDown = { ok: 0, refused: 0 };
  const answeredWhileSlow = { ok: 0, refused: 0 };
  let next = 0;
  let failed = false;
  /** `count` commands from each worker, sequential within a worker, while ClickHouse is in `phase`. */
  const load = (phase: Phase, count: number) =>
    Promise.allSettled(runs.map(async (run, w) => {
      for (let i = 0; i < count && !failed; i++) {
        const command = commands[next++ % commands.length]!;
        const e = await execute(system.api, run, command).catch((err: unknown) => {
          failed = true;
          throw new Error(`worker ${w} (seed ${seed}), during ClickHouse ${phase}: ${describeCommand(command)}\n${String(err)}`);
        });
        const tally = phase === 'down' ? answeredWhileDown : phase === 'slow' ? answeredWhileSlow : undefined;
        if (tally && e.method !== 'GET') tally[e.status < 300 ? 'ok' : 'refused']++;
      }
    }));
  // Each phase lasts its time AND until its share of the load is answered, whatever the machine's
  // speed; everything settles before a failure is reported, so nothing runs at clean-up.
  // A phase of faults also lasts until the fault has been met by the consumer at least once.
  const met: Record<Phase, () => boolean> = { up: () => true, down: () => state.failed > 0, slow: () => state.slowed > 0 };
  for (const [phase, ms, count] of PHASES) {
    state.phase = phase;
    const [settled] = await Promise.all([load(phase, count), delay(ms).then(() => eventually(() => (met[phase]() ? true : undefined), 60_000, `ClickHouse ${phase} met by an insert`))]);
    for (const s of settled) if (s.status === 'rejected') throw s.reason;
  }
  // The fault really happened, and the API answered writes during it (it never waits on ClickHouse).
  assert.ok(state.failed > 0, 'inserts failed while ClickHouse was down');
  assert.ok(state.slowed > 0, 'inserts were slow afterwards');
  assert.ok(answeredWhileDown.ok > 0, `writes answered 2xx while ClickHouse was down (${JSON.stringify(answeredWhileDown)})`);
  assert.ok(answeredWhileSlow.ok > 0, `writes answered 2xx while ClickHouse was slow (${JSON.stringify(answeredWhileSlow)})`);

  const secrets = new Set(runs.flatMap((r) => [...r.secrets]));
  const figures: TrailFigures[] = [
    await checkTrail({ ch: system.ch, receiver: system.receiver, prefix, expectations: runs.flatMap((r) => r.expectations), secrets, timeoutMs: 90_000, settleMs: 500 }),
  ];
  const sum = (pick: (f: TrailFigures) => number) => figures.reduce((n, f) => n + pick(f), 0);
  const all = <K extends keyof TrailFigures>(key: K) => figures.flatMap((f) => f[key] as string[]);
  const accepted = sum((f) => f.accepted);
  const present = sum((f) => f.expected) - all('missing').length;
  t.diagnostic(
    `requests ${sum((f) => f.expected)} with an entry (accepted ${accepted}); writes while down ${JSON.stringify(answeredWhileDown)}, while slow ${JSON.stringify(answeredWhileSlow)}; ` +
      `inserts failed ${state.failed}, slowed ${state.slowed}, succeeded ${state.inserted}; present ${present}, missing ${all('missing').length}, duplicated ${all('duplicated').length}, ` +
      `redelivered ${sum((f) => f.redelivered)}, degraded ${all('degraded').length}`,
  );
  for (const f of figures) t.diagnostic(summarise(f));

  const dead = await readTopic(system.k, system.k.names.deadLetters);
  assert.deepEqual(dead.map((m) => String(m.value).slice(0, 300)), [], 'nothing was dead-lettered');
  assert.deepEqual(all('missing'), [], `missing entries (seed ${seed})`);
  assert.deepEqual(all('duplicated'), [], `duplicated entries (seed ${seed})`);
  assert.deepEqual(all('degraded'), [], `degraded entries: a transient failure must never degrade an entry (seed ${seed})`);
  assert.deepEqual(all('unexpected'), [], `entries for requests that must leave none (seed ${seed})`);
  assert.deepEqual(all('mismatched'), [], `entries that do not match their request (seed ${seed})`);
  assert.deepEqual(all('leaked'), [], `secrets in clear text (seed ${seed})`);
}

describe('ClickHouse down, then slow, then back, under a write load', () => {
  it('connection refused / TIMEOUT_EXCEEDED: every answered action ends up exactly once in ClickHouse and at the log stream; nothing dead-lettered or degraded; writes answered throughout', async (t) => {
    await outageUnderLoad(t, refusedOrTimedOut);
  });

  it("a hung server (@clickhouse/client's own request timeout error) is transient too: nothing lost, dead-lettered or degraded", async (t) => {
    const timeout = await clientRequestTimeout();
    t.diagnostic(`the client's timeout error: ${timeout.name}: ${timeout.message} (code ${String((timeout as { code?: unknown }).code)}, type ${String((timeout as { type?: unknown }).type)})`);
    // Each failure is a fresh error with the same shape, as each timed-out request raises one.
    await outageUnderLoad(t, () => Object.assign(new Error(timeout.message), { name: timeout.name }));
  });
});
