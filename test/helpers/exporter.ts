import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { loadConfig, type Config } from '../../shared/config/index.js';
import { createShutdown } from '../../shared/lifecycle/index.js';
import { createSecretBox } from '../../shared/crypto/secret-box.js';
import { resolveSecretsKey } from '../../shared/auth/index.js';
import { makeLogId, toAuditLogRecord, type AuditEntry } from '../../shared/audit/index.js';
import type { EventMeta } from '../../shared/clients/envelope.js';
import type { Logger } from '../../shared/log/index.js';
import {
  createDecideAndAppend, decideCreate, decideUpdate, generateLogStreamId, logStreamCreateSchema,
  type LogStreamState, type LogStreamUpdate,
} from '../../shared/log-streams/index.js';
import { startExporterRole, type ExporterOptions, type ExporterRole } from '../../services/exporter/index.js';
import { eventually, testLog, type TestKafka } from './kafka.js';

const meta: EventMeta = { actor: 'auth0|test', actorclient: 'test', actorname: 'Test', requestid: 'test', ip: '127.0.0.1', useragent: 'test', method: 'POST', path: '/api/v2/log-streams' };

/** Fast back-off and short sink deadlines, so scripted failures resolve in test time. */
export const fastExporter: ExporterOptions = {
  retry: { minMs: 20, maxMs: 200, retryAfterCapMs: 2000 },
  sinkTimeoutMs: 1000,
  healthIntervalMs: 100,
};

export interface TestExporter {
  role: ExporterRole;
  config: Config;
  /** Defines a stream as the API would (validated, secrets sealed) and waits until the exporter folded it. */
  create(body: Record<string, unknown>): Promise<LogStreamState>;
  update(id: string, patch: LogStreamUpdate): Promise<LogStreamState>;
  state(id: string): LogStreamState | undefined;
  /** Waits until this exporter runs (or no longer runs) a pipeline for the stream. */
  running(id: string, yes?: boolean): Promise<void>;
  stop(): Promise<void>;
}

/** Pass the API's `dataDir` so both open sink secrets with the same generated key. */
export async function startTestExporter(t: TestContext, k: TestKafka, opts: { dataDir?: string; env?: Record<string, string>; options?: ExporterOptions; log?: Logger } = {}): Promise<TestExporter> {
  const ownDir = opts.dataDir === undefined ? await mkdtemp(join(tmpdir(), 'apptrail-exporter-')) : undefined;
  const dataDir = opts.dataDir ?? ownDir!;
  const config = loadConfig({ DATA_DIR: dataDir, KAFKA_TOPIC_PREFIX: k.prefix, KAFKA_PARTITIONS: '3', LOG_STREAMS_ALLOW_INSECURE_LOOPBACK: 'true', ...opts.env });
  const shutdown = createShutdown(testLog, 10_000);
  const role = await startExporterRole({ config, kafka: k.kafka, admin: k.admin, names: k.names, log: opts.log ?? testLog, shutdown, options: { ...fastExporter, ...opts.options } });
  await role.ready;
  const stop = async () => {
    await shutdown.shutdown('test done');
    if (ownDir !== undefined) await rm(ownDir, { recursive: true, force: true });
  };
  t.after(stop);
  const box = createSecretBox(await resolveSecretsKey(config));
  const decideAndAppend = createDecideAndAppend({ projection: role.projection, producer: k.producer, topic: k.names.logStreamEvents, log: testLog });
  const policy = { allowInsecureLoopback: true };
  return {
    role,
    config,
    async create(body) {
      const input = logStreamCreateSchema(policy).parse(body);
      const id = generateLogStreamId();
      return (await decideAndAppend(id, () => decideCreate(input, { id, box, now: new Date() }), meta))!;
    },
    async update(id, patch) {
      return (await decideAndAppend(id, (state) => decideUpdate(state, patch, { box, policy }), meta))!;
    },
    state: (id) => role.projection.store.get(id),
    async running(id, yes = true) {
      await eventually(() => (role.supervisor.runningStreams().includes(id) === yes ? true : undefined), 20_000, `stream ${id} ${yes ? '' : 'not '}running`);
    },
    stop,
  };
}

let sequence = 0;

/** Valid audit entries (the AuditEntrySchema contract), alternating success and failure types. */
export function auditEntries(n: number, opts: { type?: AuditEntry['type'] } = {}): AuditEntry[] {
  return Array.from({ length: n }, () => {
    sequence++;
    const date = new Date(Date.now() - 1000 + (sequence % 1000)).toISOString();
    const type = opts.type ?? (sequence % 2 === 0 ? 'sapi' : 'fapi');
    return {
      log_id: makeLogId(Date.parse(date), `test:${process.pid}:${sequence}:${Math.random()}`),
      date,
      type,
      description: type === 'sapi' ? 'Update a client' : 'Create a client',
      client_id: 'mgmt-app',
      client_name: '',
      user_id: 'auth0|admin',
      user_name: 'Admin',
      ip: '127.0.0.1',
      user_agent: 'test',
      hostname: '',
      target_client_id: `client${sequence}`,
      target_client_name: 'App',
      details: { request: { method: 'patch', path: `/api/v2/clients/client${sequence}`, query: {}, body: { name: 'App' } }, response: { statusCode: type === 'sapi' ? 200 : 400, body: {} } },
      scope: '',
      audience: '',
      connection: '',
      connection_id: '',
      organization_id: '',
      strategy: '',
      strategy_type: '',
    };
  });
}

/** Writes entries to audit.log as services/audit does (keyed by log_id). */
export async function publish(k: TestKafka, entries: readonly AuditEntry[]): Promise<string[]> {
  await Promise.all(entries.map((e) => k.producer.send(k.names.auditLog, toAuditLogRecord(e))));
  return entries.map((e) => e.log_id);
}
