// ClickHouse failing for a while under a write load, end to end: the clients API on a real broker,
// the audit consumer writing through a ClickHouse handle that first refuses every insert with a
// transient error (connection refused, or a ClickHouse TIMEOUT_EXCEEDED), then answers slowly,
// then recovers; the exporter delivering to a local HTTP log stream. A transient failure must
// never lose, duplicate or degrade an entry, nor dead-letter a record, and writes must not depend
// on ClickHouse: the API answers them all the while.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import fc from 'fast-check';
import type { ClickHouseHandle } from '../../shared/clickhouse/index.js';
import { readTopic } from '../helpers/kafka.js';
import { startAuditSystem } from '../helpers/audit-system.js';
import { arbCommand, arbOrdinaryCommand, describeCommand, execute, newRun, type CommandRun } from '../helpers/client-commands.js';
import { checkTrail, summarise, type TrailFigures } from '../helpers/trail-check.js';

type Phase = 'up' | 'down' | 'slow';

const DOWN_MS = 10_000;
const SLOW_MS = 8_000;
const SLOW_INSERT_MS = 3_000;
const WORKERS = 3;
/** Upper bound on each worker's requests, so the load stops by itself whatever the machine's speed. */
const MAX_COMMANDS = 400;

/** Transient failures as the two clients raise them: a refused connection, a server timeout. */
function transientError(n: number): Error {
  if (n % 2 === 0) return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' });
  return Object.assign(new Error('Timeout exceeded: elapsed 10000 ms, maximum: 10000 ms'), { code: '159', type: 'TIMEOUT_EXCEEDED' });
}

/** The handle the audit consumer writes through: `phase` decides what its inserts do. */
function faultyClickHouse(state: { phase: Phase; failed: number; slowed: number; inserted: number }) {
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

describe('ClickHouse down, then slow, then back, under a write load', () => {
  it('every answered action ends up exactly once in ClickHouse and at the log stream; nothing dead-lettered or degraded; writes answered throughout', async (t) => {
    const state = { phase: 'up' as Phase, failed: 0, slowed: 0, inserted: 0 };
    const system = await startAuditSystem(t, { wrapClickHouse: faultyClickHouse(state) });
    const seed = Number(process.env.GEN_SEED ?? Date.now() % 2 ** 31);
    t.diagnostic(`load seed ${seed} (GEN_SEED=${seed} to replay the same commands)`);
    // Generated commands (odd bodies, refusals) and ordinary ones, half and half.
    const commands = fc.sample(fc.oneof(arbCommand, arbOrdinaryCommand), { numRuns: WORKERS * MAX_COMMANDS, seed });

    const runs: CommandRun[] = [];
    const answeredWhileDown = { ok: 0, refused: 0 };
    const answeredWhileSlow = { ok: 0, refused: 0 };
    let stop = false;
    const worker = async (w: number) => {
      const run = newRun(`fault-${w}`);
      runs.push(run);
      for (let i = 0; i < MAX_COMMANDS && !stop; i++) {
        const command = commands[w * MAX_COMMANDS + i]!;
        const phase = state.phase;
        const e = await execute(system.api, run, command).catch((err: unknown) => {
          throw new Error(`worker ${w} (seed ${seed}), during ClickHouse ${phase}: ${describeCommand(command)}\n${String(err)}`);
        });
        const tally = phase === 'down' ? answeredWhileDown : phase === 'slow' ? answeredWhileSlow : undefined;
        if (tally && e.method !== 'GET') tally[e.status < 300 ? 'ok' : 'refused']++;
      }
    };

    const load = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    const script = (async () => {
      await delay(1_000);
      state.phase = 'down';
      await delay(DOWN_MS);
      state.phase = 'slow';
      await delay(SLOW_MS);
      state.phase = 'up';
      await delay(2_000);
      stop = true;
    })();
    await Promise.all([load, script]);
    // The fault really happened, and the API answered writes during it (it never waits on ClickHouse).
    assert.ok(state.failed > 0, 'inserts failed while ClickHouse was down');
    assert.ok(state.slowed > 0, 'inserts were slow afterwards');
    assert.ok(answeredWhileDown.ok > 0, `writes answered 2xx while ClickHouse was down (${JSON.stringify(answeredWhileDown)})`);
    assert.ok(answeredWhileSlow.ok > 0, `writes answered 2xx while ClickHouse was slow (${JSON.stringify(answeredWhileSlow)})`);

    const secrets = new Set(runs.flatMap((r) => [...r.secrets]));
    const figures: TrailFigures[] = [];
    for (const run of runs) {
      figures.push(await checkTrail({ ch: system.ch, receiver: system.receiver, prefix: run.prefix, expectations: run.expectations, secrets, timeoutMs: 120_000, settleMs: 500 }));
    }
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
  });
});
