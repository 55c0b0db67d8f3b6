// "An action is done when it is in ClickHouse AND at a log stream": generated client commands
// through the real clients API (real broker), the real audit consumer writing to chDB, and the real
// exporter delivering to a local HTTP log-stream receiver. Accepted bodies use every field the
// create/update schemas accept with odd but valid text (every plane, emoji, combining marks, RTL,
// quotes, backslashes, ClickHouse and SQL look-alikes, strings at their length limits) and
// free-form objects at their depth limits; refused requests (400/401/403/404) are mixed in, and
// ordinary commands too. Each request carries its own User-Agent, which finds its entry.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startAuditSystem } from '../helpers/audit-system.js';
import { arbCommand, arbCreateCommand, CREATE_FIELDS, describeCommand, execute, newRun, UPDATE_FIELDS, type Command, type Expectation } from '../helpers/client-commands.js';
import { checkTrail, summarise, type TrailFigures } from '../helpers/trail-check.js';

const NUM_RUNS = Number(process.env.GEN_NUM_RUNS ?? 50);

describe('generated client commands leave exactly one entry in ClickHouse and at the log stream', () => {
  it('every answered write (2xx or refused) and every secret read: one entry in ClickHouse, one at the receiver, never degraded, no secret in clear', async (t) => {
    const system = await startAuditSystem(t);
    const totals = { runs: 0, requests: 0, expected: 0, accepted: 0, redelivered: 0, statuses: new Map<number, number>() };
    const fieldsSent = new Set<string>();
    const secrets = new Set<string>();

    await fc.assert(
      // Each sequence starts with a create, so most later commands act on a client that exists.
      fc.asyncProperty(fc.tuple(arbCreateCommand, fc.array(arbCommand, { minLength: 2, maxLength: 8 })).map(([first, rest]) => [first, ...rest]), async (commands: Command[]) => {
        const run = newRun('commands');
        const done: string[] = [];
        for (const command of commands) {
          const e: Expectation = await execute(system.api, run, command);
          done.push(`${e.status} ${describeCommand(command)}`);
          if ((command.kind === 'create' || command.kind === 'patch') && e.status < 300) for (const f of Object.keys(command.body)) fieldsSent.add(f);
        }
        for (const s of run.secrets) secrets.add(s);
        const f: TrailFigures = await checkTrail({ ch: system.ch, receiver: system.receiver, prefix: run.prefix, expectations: run.expectations, secrets, timeoutMs: 30_000 });
        const context = `\n${summarise(f)}\ncommands:\n  ${done.join('\n  ')}`;
        assert.deepEqual(f.missing, [], `missing entries${context}`);
        assert.deepEqual(f.duplicated, [], `duplicated entries${context}`);
        assert.deepEqual(f.degraded, [], `degraded entries${context}`);
        assert.deepEqual(f.unexpected, [], `entries for requests that must leave none${context}`);
        assert.deepEqual(f.mismatched, [], `entries that do not match their request${context}`);
        assert.deepEqual(f.leaked, [], `secrets in clear text${context}`);
        totals.runs++;
        totals.requests += run.expectations.length;
        totals.expected += f.expected;
        totals.accepted += f.accepted;
        totals.redelivered += f.redelivered;
        for (const e of run.expectations) totals.statuses.set(e.status, (totals.statuses.get(e.status) ?? 0) + 1);
      }),
      { numRuns: NUM_RUNS, ...(process.env.GEN_SEED ? { seed: Number(process.env.GEN_SEED), path: process.env.GEN_PATH } : {}), endOnFailure: process.env.GEN_SHRINK !== '1', includeErrorInReport: true },
    );

    const statuses = [...totals.statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ');
    t.diagnostic(`${totals.runs} runs, ${totals.requests} requests (${statuses}), ${totals.expected} entries expected (${totals.accepted} accepted), ${totals.redelivered} redeliveries deduplicated at the receiver, ${secrets.size} secrets checked`);
    // The property is only as good as what it sent: accepted bodies with odd fields, refusals of every kind.
    assert.ok(totals.accepted >= NUM_RUNS, `too few accepted commands: ${totals.accepted}`);
    for (const status of [200, 201, 204, 400, 401, 403, 404]) assert.ok(totals.statuses.has(status), `no request was answered ${status}`);
    const unsent = [...new Set([...CREATE_FIELDS, ...UPDATE_FIELDS])].filter((f) => !fieldsSent.has(f));
    t.diagnostic(`${fieldsSent.size} distinct client fields accepted; never accepted: ${unsent.join(', ') || 'none'}`);
  });
});
