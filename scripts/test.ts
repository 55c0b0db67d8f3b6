// Test runner: `tsx scripts/test.ts [subfolder or file under test/] [extra node --test flags]`.
// Runs test/**/*.test.ts with node:test. Tests outside test/unit get a real Kafka broker and a real
// ClickHouse engine, chosen by scripts/test-engines/select.ts: KAFKA_BROKERS / TEST_CLICKHOUSE_URL
// when given; else, where a Docker engine answers, containers started here through testcontainers
// (apache/kafka and clickhouse-server at the versions docker-compose.yml pins); else a local broker
// on KAFKA_PORT (default 9092), started (or reused) here and stopped afterwards if this run started
// it, and chDB in each test process. TEST_CONTAINERS=0 forces the local pair, =1 requires Docker.
// Nothing is skipped for lack of Docker. The run prints which engines it used.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalBroker, type LocalBroker } from '../shared/kafka/local-broker.js';
import { describePlan, needsDockerProbe, parseContainersOverride, planEngines, type EngineInputs } from './test-engines/select.js';
import { testImages } from './test-engines/images.js';
import { dropRunDatabases, serverTargetFromEnv } from '../test/helpers/clickhouse-target.js';

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
const inputs: EngineInputs = { override: 'auto', needsEngines: needsKafka, kafkaGiven: Boolean(env.KAFKA_BROKERS), clickhouseGiven: Boolean(env.TEST_CLICKHOUSE_URL) };
try {
  inputs.override = parseContainersOverride(env.TEST_CONTAINERS);
} catch (err) {
  console.error(`test: ${(err as Error).message}`);
  process.exit(2);
}
const docker = needsDockerProbe(inputs) ? await (await import('./test-engines/containers.js')).probeDocker() : undefined;
const plan = planEngines(inputs, docker);
if (!plan.ok) {
  console.error(`test: ${plan.error}`);
  process.exit(1);
}
const images = testImages(join(repoRoot, 'docker-compose.yml'));
const containers: Array<{ stop(): Promise<void> }> = [];
// Test helpers name their server databases after it, so a given server can be swept after the run.
env.TEST_RUN_ID ??= randomBytes(4).toString('hex');

/** Printed without credentials a URL may carry. */
function originOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return '<invalid url>';
  }
}

async function stopEngines(): Promise<void> {
  if (plan.ok && plan.clickhouse === 'given') {
    const target = serverTargetFromEnv(env);
    if (target) await dropRunDatabases(target, env.TEST_RUN_ID!).catch((err: unknown) => console.error(`test: could not drop this run's databases: ${String(err)}`));
  }
  await stopBroker();
  for (const c of containers.splice(0).reverse()) await c.stop().catch((err: unknown) => console.error(`test: stopping a container: ${String(err)}`));
}

if (plan.kafka === 'container' || plan.clickhouse === 'container') {
  const { startClickHouseContainer, startKafkaContainer } = await import('./test-engines/containers.js');
  const started = Date.now();
  try {
    if (plan.kafka === 'container') {
      const kafka = await startKafkaContainer(images.kafka);
      containers.push(kafka);
      env.KAFKA_BROKERS = kafka.brokers;
    }
    if (plan.clickhouse === 'container') {
      const ch = await startClickHouseContainer(images.clickhouse);
      containers.push(ch);
      Object.assign(env, { TEST_CLICKHOUSE_URL: ch.url, TEST_CLICKHOUSE_USER: ch.username, TEST_CLICKHOUSE_PASSWORD: ch.password });
    }
  } catch (err) {
    await stopEngines();
    console.error(`test: cannot start the test containers: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
  console.log(`test: containers ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

if (plan.kafka === 'local' && needsKafka) {
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
    await stopEngines();
    console.error(`test: cannot provide a Kafka broker: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
  console.log(`test: kafka ready on ${broker.brokers.join(',')} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  env.KAFKA_BROKERS = broker.brokers.join(',');
}
if (needsKafka) {
  console.log(describePlan(plan, { kafkaImage: images.kafka, clickhouseImage: images.clickhouse, kafkaBrokers: env.KAFKA_BROKERS, clickhouseUrl: originOf(env.TEST_CLICKHOUSE_URL) }));
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
await stopEngines();
process.exit(code);
