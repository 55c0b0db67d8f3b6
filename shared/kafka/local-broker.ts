// A single-node Apache Kafka broker (KRaft, broker+controller in one JVM) run from the official
// jars, so `npm start` and the tests need neither Docker nor a shared broker. With KAFKA_BROKERS set,
// callers skip this module entirely.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';

/** Must match kafka.version in scripts/kafka/pom.xml: it names the jar cache folder. */
export const KAFKA_VERSION = '4.3.1';

const HOST = '127.0.0.1';
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pomPath = join(repoRoot, 'scripts', 'kafka', 'pom.xml');

export const defaultCacheDir = join(repoRoot, '.cache');
export const defaultDataDir = join(repoRoot, '.data', 'kafka');

type Log = (line: string) => void;

export interface FetchOptions {
  cacheDir?: string;
  /** Maven executable; tests point it at a spy to prove the cache is reused. */
  mvn?: string;
  log?: Log;
}

export interface BrokerOptions {
  port?: number;
  /** Defaults to port + 1. */
  controllerPort?: number;
  dataDir?: string;
  cacheDir?: string;
  /** Keep running after this process exits (the `kafka:start` CLI); stop with stopLocalBroker(). */
  detached?: boolean;
  readyTimeoutMs?: number;
  log?: Log;
}

export interface LocalBroker {
  brokers: string[];
  /** undefined when an already running broker was reused. */
  pid: number | undefined;
  reused: boolean;
  logFile: string | undefined;
  /** No-op for a reused broker: it belongs to whoever started it. */
  stop(): Promise<void>;
}

/** Ensures the Kafka jars are in `<cacheDir>/kafka-<version>/libs` and returns that folder. */
export async function ensureKafkaJars(options: FetchOptions = {}): Promise<string> {
  const versionDir = join(options.cacheDir ?? defaultCacheDir, `kafka-${KAFKA_VERSION}`);
  const libs = join(versionDir, 'libs');
  // The marker is written only after a complete copy, so an interrupted fetch is redone, not trusted.
  const marker = join(versionDir, 'libs.complete');
  if (existsSync(marker)) return libs;

  const mvn = options.mvn ?? 'mvn';
  requireOnPath('java', 'Java 17+');
  requireOnPath(mvn, 'Maven (mvn)');
  options.log?.(`fetching Kafka ${KAFKA_VERSION} jars with Maven into ${libs}`);
  // Copy into a private folder and rename, so a concurrent fetch never sees half a folder.
  const partial = `${libs}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(versionDir, { recursive: true });
  // Maven is quiet (its transfer log is thousands of lines), so say every 10 s that it still works.
  const fetchStarted = Date.now();
  const ticker = setInterval(() => options.log?.(`still fetching the Kafka jars (${Math.round((Date.now() - fetchStarted) / 1000)} s; about 45 MB, once per machine)`), 10_000);
  try {
    await run(mvn, ['-q', '-B', '-f', pomPath, 'dependency:copy-dependencies', `-DoutputDirectory=${partial}`, '-DincludeScope=runtime']);
    clearInterval(ticker);
    options.log?.(`Kafka jars fetched in ${((Date.now() - fetchStarted) / 1000).toFixed(1)} s`);
    if (!existsSync(marker)) {
      rmSync(libs, { recursive: true, force: true });
      renameSync(partial, libs);
      writeFileSync(marker, `kafka ${KAFKA_VERSION}\n`);
    }
  } finally {
    clearInterval(ticker);
    rmSync(partial, { recursive: true, force: true });
  }
  return libs;
}

export async function startLocalBroker(options: BrokerOptions = {}): Promise<LocalBroker> {
  const port = options.port ?? 9092;
  const controllerPort = options.controllerPort ?? port + 1;
  const dataDir = resolve(options.dataDir ?? defaultDataDir);
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  const log = options.log ?? (() => {});
  const brokers = [`${HOST}:${port}`];

  const running = runningPid(dataDir);
  if (running !== undefined || (await isListening(port))) {
    // Give a broker that is still starting (e.g. another `kafka:start`) a moment before judging it.
    if (await waitUntil(() => isKafka(brokers), running !== undefined ? readyTimeoutMs : 5_000)) {
      log(`reusing the Kafka broker already answering on ${brokers[0]}`);
      return { brokers, pid: undefined, reused: true, logFile: undefined, stop: async () => {} };
    }
    throw new Error(running !== undefined
      ? `a Kafka broker (pid ${running}) already uses ${dataDir} but does not answer on ${brokers[0]}; stop it with \`npm run kafka:stop\``
      : `port ${port} is in use by something that is not a Kafka broker; set KAFKA_PORT to a free port`);
  }
  if (await isListening(controllerPort)) {
    throw new Error(`controller port ${controllerPort} is already in use; choose another KAFKA_PORT (the controller uses port + 1)`);
  }

  requireOnPath('java', 'Java 17+');
  const libs = await ensureKafkaJars({ cacheDir: options.cacheDir, log });
  const classpath = join(libs, '*');
  mkdirSync(dataDir, { recursive: true });
  const { properties, log4j, logFile, logDirs } = writeConfig(dataDir, port, controllerPort);

  // Keep the previous run's log for post-mortems, but start fresh so the failure tail is this run's.
  if (existsSync(logFile)) renameSync(logFile, `${logFile}.1`);

  // Formatting once is what makes topics survive a restart; re-formatting would need a wiped dir.
  if (!existsSync(join(logDirs, 'meta.properties'))) {
    log(`formatting KRaft storage in ${logDirs}`);
    await run('java', ['-cp', classpath, `-Dlog4j2.configurationFile=${log4j}`, 'kafka.tools.StorageTool', 'format', '-t', kafkaUuid(), '-c', properties]);
  }

  const out = openSync(logFile, 'a');
  const detached = options.detached ?? false;
  const child = spawn('java', [
    '-Xmx512m', '-XX:+UseG1GC', '-XX:+ExitOnOutOfMemoryError', '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${log4j}`, '-cp', classpath, 'kafka.Kafka', properties,
    // Always its own process group, attached or not: Ctrl-C in a terminal signals the whole
    // foreground group, and a broker that stops at once leaves our consumers unable to leave
    // their groups, so the next start waits out their sessions. We stop it ourselves, last.
  ], { cwd: dataDir, stdio: ['ignore', out, out], detached: true });
  closeSync(out);
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start java for the Kafka broker');
  writeFileSync(pidFile(dataDir), `${pid}\n`);

  let exitCode: number | string | undefined;
  child.on('exit', (code, signal) => { exitCode = code ?? signal ?? 'unknown'; });
  // An attached broker must not outlive us; 'exit' also fires on process.exit() from signal handlers.
  const killOnExit = () => { child.kill('SIGTERM'); };
  if (detached) child.unref();
  else process.on('exit', killOnExit);

  log(`starting Kafka ${KAFKA_VERSION} on ${brokers[0]} (pid ${pid}, log ${logFile})`);
  const ready = await waitUntil(async () => {
    if (exitCode !== undefined) throw new Error('broker exited'); // ends the wait early
    return isKafka(brokers);
  }, readyTimeoutMs);
  const stop = async () => {
    process.off('exit', killOnExit);
    await stopPid(pid, child);
    rmSync(pidFile(dataDir), { force: true });
  };
  if (!ready) {
    const why = exitCode !== undefined ? `exited (${exitCode})` : `did not accept clients within ${readyTimeoutMs / 1000}s`;
    await stop();
    throw new Error(`Kafka broker on ${brokers[0]} ${why}. Last lines of ${logFile}:\n${tail(logFile, 30)}`);
  }
  return { brokers, pid, reused: false, logFile, stop };
}

/** Stops the broker whose pid file is in dataDir (started by another process, e.g. `kafka:start`). */
export async function stopLocalBroker(options: { dataDir?: string } = {}): Promise<number | undefined> {
  const dataDir = resolve(options.dataDir ?? defaultDataDir);
  const pid = runningPid(dataDir);
  if (pid !== undefined) await stopPid(pid);
  rmSync(pidFile(dataDir), { force: true });
  return pid;
}

export async function localBrokerStatus(options: { port?: number; dataDir?: string } = {}): Promise<{ pid: number | undefined; answering: boolean }> {
  const port = options.port ?? 9092;
  const pid = runningPid(resolve(options.dataDir ?? defaultDataDir));
  return { pid, answering: (await isListening(port)) && (await isKafka([`${HOST}:${port}`])) };
}

/** True when a Kafka admin client can connect and describe the cluster. */
export async function isKafka(brokers: string[]): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'apptrail-broker-probe', brokers, logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000, requestTimeout: 2_000, retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/**
 * Broker settings of a one-node development or test broker, whatever runs it: the local broker's
 * server.properties and the test harness's apache/kafka container (as KAFKA_* variables) share them.
 */
export const SINGLE_NODE_SETTINGS: Readonly<Record<string, string>> = {
  // the app creates its topics with explicit settings; a typo must not silently create one
  'auto.create.topics.enable': 'false',
  // one node: internal topics cannot have more replicas; few partitions keep startup fast
  'offsets.topic.replication.factor': '1',
  'offsets.topic.num.partitions': '8',
  'transaction.state.log.replication.factor': '1',
  'transaction.state.log.min.isr': '1',
  'transaction.state.log.num.partitions': '8',
  'share.coordinator.state.topic.replication.factor': '1',
  'share.coordinator.state.topic.min.isr': '1',
  'group.initial.rebalance.delay.ms': '0',
};

function writeConfig(dataDir: string, port: number, controllerPort: number) {
  const logDirs = join(dataDir, 'kraft');
  const logFile = join(dataDir, 'broker.log');
  const properties = join(dataDir, 'server.properties');
  const log4j = join(dataDir, 'log4j2.xml');
  // Rewritten on every start so a changed port takes effect; identity lives in meta.properties.
  writeFileSync(properties, `# generated by shared/kafka/local-broker.ts on every start; edits are lost
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@${HOST}:${controllerPort}
listeners=PLAINTEXT://${HOST}:${port},CONTROLLER://${HOST}:${controllerPort}
advertised.listeners=PLAINTEXT://${HOST}:${port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${logDirs}
${Object.entries(SINGLE_NODE_SETTINGS).map(([key, value]) => `${key}=${value}`).join('\n')}
`);
  // Kafka logs go to a file: an attached broker would otherwise flood the app's terminal.
  writeFileSync(log4j, `<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="warn">
  <Appenders>
    <File name="file" fileName="${logFile}" append="true">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </File>
  </Appenders>
  <Loggers>
    <Root level="info"><AppenderRef ref="file"/></Root>
    <Logger name="kafka.request.logger" level="warn"/>
    <Logger name="org.apache.kafka.clients" level="warn"/>
    <Logger name="state.change.logger" level="warn"/>
  </Loggers>
</Configuration>
`);
  return { properties, log4j, logFile, logDirs };
}

/** Kafka's cluster id format (base64url of 16 random bytes), without starting a JVM for it. */
function kafkaUuid(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id; // Kafka rejects ids that look like command-line flags
  }
}

function pidFile(dataDir: string): string {
  return join(dataDir, 'broker.pid');
}

/** The pid from dataDir's pid file if that process is alive and is a Kafka broker (not a recycled pid). */
function runningPid(dataDir: string): number | undefined {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(pidFile(dataDir), 'utf8'), 10);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || !isAlive(pid)) return undefined;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('kafka.Kafka') ? pid : undefined;
  } catch {
    return existsSync('/proc') ? undefined : pid; // no procfs (macOS): trust the pid file
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGTERM lets Kafka close its logs cleanly (no recovery on the next start); SIGKILL if it hangs. */
async function stopPid(pid: number, child?: ChildProcess, timeoutMs = 30_000): Promise<void> {
  // Our own child is only gone once reaped; a foreign pid is gone when kill(0) fails.
  const gone = () => (child ? child.exitCode !== null || child.signalCode !== null : !isAlive(pid));
  if (gone()) return;
  process.kill(pid, 'SIGTERM');
  if (await waitUntil(async () => gone(), timeoutMs, 100)) return;
  process.kill(pid, 'SIGKILL');
  await waitUntil(async () => gone(), 5_000, 100);
}

/** Polls check until it returns true (→ true), throws or the time is up (→ false). */
async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, intervalMs = 250): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return true;
    } catch {
      return false;
    }
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

function isListening(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: HOST, port });
    socket.setTimeout(1_000);
    socket.once('connect', () => { socket.destroy(); done(true); });
    socket.once('timeout', () => { socket.destroy(); done(false); });
    socket.once('error', () => done(false));
  });
}

/** Fails fast with one line that says what is missing and how to do without it. */
function requireOnPath(command: string, what: string): void {
  const candidates = command.includes('/') ? [command] : (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, command));
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      return;
    } catch {
      // try the next PATH entry
    }
  }
  throw new Error(`${what} not found (\`${command}\`), needed to run a local Kafka broker: install it, or set KAFKA_BROKERS to an existing broker, or run \`docker compose up kafka\``);
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.on('error', fail);
    child.on('exit', (code) => {
      if (code === 0) done();
      else fail(new Error(`\`${command} ${args.join(' ')}\` failed (${code}):\n${output.split('\n').slice(-30).join('\n')}`));
    });
  });
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
