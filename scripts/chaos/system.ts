// The system under test as `npm start` runs it: services/main.ts as a child process with every
// role, its own DATA_DIR (a fresh chDB), a broker (this run's own when it is to be killed), and an
// HTTP log stream to a local receiver. Everything it starts, close() stops, also after an error.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalBroker, type LocalBroker } from '../../shared/kafka/local-broker.js';
import { freePortPair, startAppProcess, type AppProcess } from '../../test/helpers/app-process.js';
import { childClickHouseEnv } from '../../test/helpers/clickhouse-target.js';
import { startHttpReceiver, type Receiver } from '../../test/helpers/receivers/index.js';
import { within } from './verify.js';

export interface OwnBroker {
  readonly pid: number | undefined;
  /** SIGKILL, as a crashed JVM or a lost node: no clean shutdown. */
  kill(): void;
  /** Starts it again on the same port and data. */
  restart(): Promise<void>;
}

export interface ChaosSystem {
  runId: string;
  /** The process now running (a new one after restartApp). */
  app(): AppProcess;
  origin(): string;
  token: string;
  receiver: Receiver;
  streamId: string;
  /** Present when this system started its broker (and so may kill it). */
  broker: OwnBroker | undefined;
  /** /readyz status, 0 without an answer. */
  readiness(): Promise<number>;
  /** A new process on the same DATA_DIR, port and broker; resolves once it is ready. */
  restartApp(): Promise<void>;
  /** Dead-lettered entries of the log stream, as its health reports them. */
  deadLetters(): Promise<number | undefined>;
  close(): Promise<void>;
}

export interface SystemOptions {
  /** An existing broker to use; without it the system starts (and may kill) its own. */
  brokers?: string[];
  readyTimeoutMs?: number;
  /** Keeps the app's output in this file when the system closes (post-mortems). */
  outputFile?: string;
  log?: (line: string) => void;
}

/** Every system not yet closed, so a signal handler can stop them, even half started. */
const open = new Set<() => Promise<void>>();

/** Closes every system of this process (for SIGINT/SIGTERM handlers). */
export async function closeAllChaosSystems(): Promise<void> {
  await Promise.all([...open].map((close) => close()));
}

export async function startChaosSystem(opts: SystemOptions = {}): Promise<ChaosSystem> {
  const log = opts.log ?? (() => undefined);
  const readyTimeoutMs = opts.readyTimeoutMs ?? 120_000;
  const runId = randomUUID().slice(0, 8);
  const cleanups: (() => Promise<void>)[] = [];
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= (async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => log(`cleanup failed: ${String(err)}`));
    open.delete(close);
  })());
  open.add(close);
  // Whatever starts after close() began (a signal mid-start) is stopped as soon as it exists.
  const own = (cleanup: () => Promise<void>) => {
    if (closing) void cleanup().catch(() => undefined);
    else cleanups.push(cleanup);
  };

  try {
    const dataDir = await mkdtemp(join(tmpdir(), 'apptrail-chaos-data-'));
    own(() => rm(dataDir, { recursive: true, force: true }));

    let broker: OwnBroker | undefined;
    let brokers = opts.brokers;
    if (brokers === undefined) {
      const kafkaPort = await freePortPair();
      const kafkaDir = await mkdtemp(join(tmpdir(), 'apptrail-chaos-kafka-'));
      own(() => rm(kafkaDir, { recursive: true, force: true }));
      const start = () => startLocalBroker({ port: kafkaPort, dataDir: kafkaDir, log: (line) => log(`kafka: ${line}`) });
      let running: LocalBroker = await start();
      own(() => running.stop());
      brokers = running.brokers;
      broker = {
        get pid() {
          return running.pid;
        },
        kill: () => {
          if (running.pid !== undefined) process.kill(running.pid, 'SIGKILL');
        },
        restart: async () => {
          running = await start();
        },
      };
    }

    // chDB under DATA_DIR, or under the test harness a database of its own on its ClickHouse server.
    const ch = childClickHouseEnv(`chaos_${runId}`);
    own(() => ch.dispose());
    const env = {
      ...ch.env,
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_TOPIC_PREFIX: `chaos-${runId}.`,
      DATA_DIR: dataDir,
      PORT: String(await freePortPair()),
      ROLES: 'api,projector,audit,exporter',
      LOG_STREAMS_ALLOW_INSECURE_LOOPBACK: 'true',
      LOG_LEVEL: 'warn',
    };
    let app = startAppProcess(env);
    const output: string[] = [];
    own(async () => {
      await app.kill();
      if (opts.outputFile) await writeFile(opts.outputFile, [...output, app.output()].join('\n'));
    });
    const token = await app.token();
    const readiness = async () => (await fetch(`${app.origin}/readyz`, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined))?.status ?? 0;
    const ready = async () => {
      const ok = await within(readyTimeoutMs, async () => (app.alive() && (await readiness()) === 200 ? true : undefined));
      if (!ok) throw new Error(`the app was not ready within ${readyTimeoutMs / 1000}s; its output ends:\n${app.output().slice(-2000)}`);
    };
    log(`starting the app (pid ${app.child.pid}) on ${app.origin}`);
    await ready();

    const receiver = await startHttpReceiver({ format: 'JSONLINES' });
    own(() => receiver.close());
    const created = await fetch(`${app.origin}/api/v2/log-streams`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'chaos receiver', type: 'http', startFrom: 'beginning', sink: { httpEndpoint: `${receiver.origin}/api/logs`, httpContentFormat: 'JSONLINES' } }),
    });
    if (created.status !== 200) throw new Error(`creating the log stream answered ${created.status}: ${await created.text()}`);
    const streamId = ((await created.json()) as { id: string }).id;

    return {
      runId,
      app: () => app,
      origin: () => app.origin,
      token,
      receiver,
      streamId,
      broker,
      readiness,
      restartApp: async () => {
        await app.kill();
        output.push(app.output());
        app = startAppProcess(env);
        log(`restarted the app (pid ${app.child.pid})`);
        await ready();
      },
      deadLetters: async () => {
        const res = await fetch(`${app.origin}/api/v2/log-streams/${streamId}/health`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
        if (res?.status !== 200) return undefined;
        return ((await res.json()) as { dead_letters: { count: number } }).dead_letters.count;
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
