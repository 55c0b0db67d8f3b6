// apptrail as an Auth0 tenant for the compatibility tests: the clients API and the audit consumer
// on the test broker write real entries (created, updated, refused) into chDB, and the logs API
// that reads them is served over HTTPS, as Auth0's SDKs require, with a self-signed certificate.
import type { TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { ClickHouseHandle } from '../../shared/clickhouse/index.js';
import { loadConfig } from '../../shared/config/index.js';
import { verifierFromConfig } from '../../shared/auth/index.js';
import { createLogger } from '../../shared/log/index.js';
import { buildApp } from '../../services/api/app.js';
import { loadTls } from '../../services/api/server.js';
import { logsRoutes } from '../../services/audit/logs-routes.js';
import { eventually, useKafka } from '../helpers/kafka.js';
import { startAuditWriter } from '../helpers/audit-system.js';
import { newDataDir, startTestApi, type TestApi } from '../helpers/api.js';
import { selfSignedCert, trustingFetch } from '../helpers/tls.js';

export interface LogsTenant {
  api: TestApi;
  ch: ClickHouseHandle;
  /** host:port of the HTTPS logs API: what Auth0 clients call the tenant's "domain". */
  domain: string;
  /** A fetch that trusts the test certificate (the SDK's `fetch` option). */
  fetch: typeof fetch;
  /** The test certificate, PEM, for clients that take a CA, and its file (for NODE_EXTRA_CA_CERTS). */
  ca: Buffer;
  caFile: string;
  token(scope?: string): Promise<string>;
  /** Creates `n` clients, updates the first and sends one refused create; resolves once their entries are stored. */
  act(n: number, label: string): Promise<void>;
  /** How many entries the audit table holds. */
  count(): Promise<number>;
}

/** Cleanups registered through `t.after` of a suite-level `before`: node:test's describe has no TestContext. */
export function suiteContext(): { t: TestContext; cleanup: () => Promise<void> } {
  const fns: Array<() => unknown> = [];
  const t = { after: (fn: () => unknown) => void fns.push(fn) } as unknown as TestContext;
  return { t, cleanup: async () => { for (const fn of fns.reverse()) await fn(); } };
}

export async function startLogsTenant(t: TestContext): Promise<LogsTenant> {
  const k = await useKafka(t);
  const dataDir = await newDataDir(t);
  const ch = await startAuditWriter(t, k, dataDir);
  const api = await startTestApi(t, k, { dataDir });

  const cert = await selfSignedCert();
  t.after(() => cert.remove());
  // The product's own TLS loader, as services/main.ts uses it.
  const https = await loadTls(loadConfig({ TLS_CERT_FILE: cert.certFile, TLS_KEY_FILE: cert.keyFile }));
  const app: FastifyInstance = await buildApp({
    log: createLogger({ level: 'silent' }), https, verify: await verifierFromConfig(api.config), readiness: {},
    features: [(a) => logsRoutes(a, { ch })],
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => app.close());
  const { port } = app.server.address() as { port: number };


  const count = async () => {
    const rs = await ch.client.query({ query: 'SELECT count() AS n FROM audit_log FINAL', format: 'JSONEachRow' });
    const [row] = await rs.json<{ n: string }>();
    return Number(row?.n ?? 0);
  };

  return {
    api, ch, domain: `127.0.0.1:${port}`, fetch: trustingFetch(t, cert.ca), ca: cert.ca, caFile: cert.certFile, count,
    token: (scope = 'read:logs') => api.token(scope),
    async act(n, label) {
      const before = await count();
      let first: string | undefined;
      for (let i = 0; i < n; i++) {
        const res = await api.call('POST', '/api/v2/clients', { body: { name: `${label} ${i}`, app_type: 'non_interactive' } });
        if (res.status !== 201) throw new Error(`create answered ${res.status}: ${JSON.stringify(res.body)}`);
        first ??= res.body.client_id as string;
      }
      const patched = await api.call('PATCH', `/api/v2/clients/${first}`, { body: { description: `${label} updated` } });
      if (patched.status !== 200) throw new Error(`update answered ${patched.status}`);
      const refused = await api.call('POST', '/api/v2/clients', { body: { name: '' } });
      if (refused.status !== 400) throw new Error(`an empty name was answered ${refused.status}`);
      await eventually(async () => ((await count()) >= before + n + 2 ? true : undefined), 60_000, `${n + 2} audit entries of ${label}`);
    },
  };
}
