// `npm run chaos`: three faults injected into the real system (services/main.ts with every role, a
// broker and a log stream receiver of this run's own, all on loopback), one after the other, each
// bounded; then a table of what was acknowledged and where it ended up. Exit code 1 when anything
// acknowledged is missing or duplicated, an entry never reached the stream, or the system answered
// a fault other than as it must (503 + Retry-After); 2 when the run itself could not be made.
import { brokerOutage, crash, sinkOutage, type ScenarioResult, type Timing } from './scenarios.js';
import { closeAllChaosSystems, startChaosSystem } from './system.js';
import { figuresTable } from './table.js';

const started = Date.now();
const log = (line: string) => console.log(`chaos ${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s  ${line}`);
const SETTLE_MS = 90_000;
const timings: Record<'crash' | 'broker' | 'sink', Timing> = {
  crash: { warmupMs: 8_000, faultMs: 0, afterMs: 6_000, settleTimeoutMs: SETTLE_MS },
  broker: { warmupMs: 8_000, faultMs: 30_000, afterMs: 3_000, settleTimeoutMs: SETTLE_MS },
  sink: { warmupMs: 8_000, faultMs: 20_000, afterMs: 3_000, settleTimeoutMs: SETTLE_MS },
};

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    log(`${signal}: stopping what this run started`);
    void closeAllChaosSystems().finally(() => process.exit(130));
  });
}

async function main(): Promise<number> {
  log('starting a broker, the app (all roles, fresh DATA_DIR) and a log stream receiver');
  const sys = await startChaosSystem({ log, outputFile: process.env.CHAOS_APP_OUTPUT });
  const results: ScenarioResult[] = [];
  try {
    log(`ready: app ${sys.origin()}, receiver ${sys.receiver.origin}`);
    const scenarios = [
      ['crash', () => crash(sys, timings.crash)],
      ['broker outage', () => brokerOutage(sys, timings.broker)],
      ['sink outage', () => sinkOutage(sys, timings.sink)],
    ] as const;
    // `npm run chaos -- crash` runs only the scenarios named (by their first word); none: all three.
    const only = process.argv.slice(2);
    for (const [name, scenario] of scenarios.filter(([n]) => only.length === 0 || only.includes(n.split(' ')[0]!))) {
      log(`${name}: load, fault, recovery, checks`);
      const result = await scenario();
      results.push(result);
      log(`${name}: ${result.violations.length === 0 ? 'ok' : `${result.violations.length} violation(s)`}`);
    }
  } finally {
    if (!interrupted) await sys.close();
  }
  console.log(`\n${figuresTable(results)}\n`);
  for (const r of results) for (const v of r.violations) console.log(`${r.name}: ${v}`);
  console.log(`chaos: ${((Date.now() - started) / 1000).toFixed(0)}s in all`);
  return results.some((r) => r.violations.length > 0) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    if (interrupted) return;
    console.error(`chaos: the run failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    await closeAllChaosSystems();
    process.exit(2);
  },
);
