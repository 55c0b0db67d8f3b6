// Test runner: `tsx scripts/test.ts [subfolder or file under test/] [extra node --test flags]`.
// Runs test/**/*.test.ts with node:test. Tests outside test/unit get a real Kafka broker: the one in
// KAFKA_BROKERS, or else a local broker on KAFKA_PORT (default 9092) that is started (or reused)
// here and stopped afterwards if this run started it. Nothing is skipped for lack of Docker.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalBroker, type LocalBroker } from '../shared/kafka/local-broker.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const testRoot = join(repoRoot, 'test');

const args = process.argv.slice(2);
const folder = args[0] !== undefined && !args[0].startsWith('-') ? args.shift() : undefined;
const root = folder === undefined ? testRoot : resolve(testRoot, folder);
if (!root.startsWith(testRoot)) throw new Error(`${folder} is not inside test/`);

// Node 20's --test has no globs, so the files are listed here.
function findTests(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : findTests(path);
      return entry.name.endsWith('.test.ts') ? [path] : [];
    })
    .sort();
}

// A folder runs every test under it; a single file (`tsx scripts/test.ts integration/x.test.ts`) runs alone.
const rootStat = statSync(root, { throwIfNoEntry: false });
const files = rootStat?.isDirectory() ? findTests(root) : rootStat?.isFile() && root.endsWith('.test.ts') ? [root] : [];
if (files.length === 0) {
  console.log(`test: no *.test.ts files under ${relative(repoRoot, root) || '.'}`);
  process.exit(0);
}

const unitRoot = join(testRoot, 'unit') + sep;
const needsKafka = files.some((file) => !file.startsWith(unitRoot));
let broker: LocalBroker | undefined;
let brokerDataDir: string | undefined;

async function stopBroker(): Promise<void> {
  await broker?.stop();
  broker = undefined;
  if (brokerDataDir) rmSync(brokerDataDir, { recursive: true, force: true });
}

const env = { ...process.env };
if (needsKafka && !env.KAFKA_BROKERS) {
  // A fresh data dir per run: tests must not see topics or offsets left by an earlier run.
  brokerDataDir = mkdtempSync(join(tmpdir(), 'apptrail-kafka-test-'));
  const started = Date.now();
  try {
    broker = await startLocalBroker({
      port: Number(env.KAFKA_PORT ?? 9092),
      dataDir: brokerDataDir,
      log: (line) => console.log(`test: kafka: ${line}`),
    });
  } catch (err) {
    await stopBroker();
    console.error(`test: cannot provide a Kafka broker: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
  console.log(`test: kafka ready on ${broker.brokers.join(',')} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  env.KAFKA_BROKERS = broker.brokers.join(',');
}

const child = spawn(process.execPath, [
  '--import', 'tsx', '--test', '--test-concurrency=2',
  // A hung test must fail the run rather than hold CI until its global timeout.
  `--test-timeout=${env.TEST_TIMEOUT_MS ?? 300_000}`,
  ...args, ...files.map((file) => relative(repoRoot, file)),
], { cwd: repoRoot, env, stdio: 'inherit' });

// Ctrl-C reaches the child directly (same process group); a plain SIGTERM to us must be passed on.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => { child.kill(signal); });
}

const code = await new Promise<number>((done) => {
  child.on('exit', (exitCode, signal) => done(exitCode ?? (signal ? 1 : 0)));
});
await stopBroker();
process.exit(code);
