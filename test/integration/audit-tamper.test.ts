/**
 * Tamper evidence on the real broker and engine: the audit role writes hash-chained entries and
 * signs checkpoints; then the trail is tampered with in ClickHouse on purpose (a changed field,
 * a re-insert with another payload, a deleted row, two swapped rows, a forged row, a cut end) and
 * GET /api/v2/logs/verify must find and locate each; an export edited offline is caught by the
 * same check `npm run verify` runs.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { useClickHouse } from '../helpers/clickhouse.js';
import { newDataDir } from '../helpers/api.js';
import { createSecretBox } from '../../shared/crypto/secret-box.js';
import { decideCreate, decideUpdate, foldEvents, generateClientId, toClientEventRecord, type ClientEvent, type EventMeta } from '../../shared/clients/index.js';
import { buildLogsExportPage, encodeEntry, fromAuditRow, linkEntries, logIdTimeMs, makeLogId, type AuditEntry } from '../../shared/audit/index.js';
import { checkpointKeyFromSeed, parseCheckpointRecord, publicKeyFromText } from '../../shared/audit/checkpoint.js';
import { verifyExport } from '../../shared/audit/verify-export.js';
import { loadConfig } from '../../shared/config/index.js';
import { createLogger } from '../../shared/log/index.js';
import { createShutdown } from '../../shared/lifecycle/index.js';
import { resolveCheckpointSeed, resolveSigningSecret, verifierFromConfig } from '../../shared/auth/index.js';
import { buildApp } from '../../services/api/app.js';
import { startAuditRole } from '../../services/audit/role.js';
import { logsRoutes } from '../../services/audit/logs-routes.js';
import { tamperRoutes } from '../../services/audit/tamper-routes.js';
import { insertEncoded } from '../../services/audit/writer.js';
import { eventually, readTopic, testLog, useKafka } from '../helpers/kafka.js';

const meta: EventMeta = { actor: 'auth0|tamper', actorclient: 'app', actorname: 'T', requestid: 'r', ip: '127.0.0.1', useragent: 'ua', method: 'PATCH', path: '/api/v2/clients/x' };
const box = createSecretBox(Buffer.alloc(32, 9));
const SETTINGS = { mutations_sync: '2' } as const;

interface LinkRow { log_id: string; chain: string; chain_seq: string; hash: string }

describe('tamper evidence (real broker, real engine)', () => {
  const db = useClickHouse('tamper');

  it('detects and locates every kind of tampering, online and in an export', async (t) => {
    const k = await useKafka(t, { partitions: 1 });
    const dataDir = await newDataDir(t);
    const config = loadConfig({ DATA_DIR: dataDir, KAFKA_TOPIC_PREFIX: k.prefix, AUDIT_CHECKPOINT_INTERVAL_MS: '0' });
    const log = createLogger({ level: 'silent', name: 'tamper' });
    const shutdown = createShutdown(log, 10_000);
    t.after(() => shutdown.shutdown('test done'));
    const checkpointKey = await checkpointKeyFromSeed(await resolveCheckpointSeed(config));
    const role = await startAuditRole({ config, kafka: k.kafka, admin: k.admin, names: k.names, ch: db.ch, log, shutdown, checkpointKey });
    const app = await buildApp({
      log, readiness: {}, verify: await verifierFromConfig(config),
      // As services/main.ts mounts them for a process running the audit role.
      features: [(a) => logsRoutes(a, { ch: db.ch, log }), (a) => tamperRoutes(a, { ch: db.ch, key: checkpointKey, checkpoint: role.checkpoint })],
    });
    shutdown.add('app', () => app.close());
    const secret = await resolveSigningSecret(config);
    const call = async (method: 'GET' | 'POST', url: string, scope = 'read:logs create:log_checkpoints') => {
      const token = await new SignJWT({ scope, azp: 'auditor' }).setProtectedHeader({ alg: 'HS256' }).setSubject('auth0|auditor').setAudience(config.AUTH_AUDIENCE).setIssuedAt().setExpirationTime('1h').sign(secret);
      const res = await app.inject({ method, url, headers: { authorization: `Bearer ${token}` } });
      return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
    };

    // Twelve actions on one partition: one chain, seq 0..11.
    const events: ClientEvent[] = [];
    for (let i = 0; i < 6; i++) {
      const created = decideCreate({ name: `t${i}` } as never, { clientId: generateClientId(), secretSealed: box.seal('s') });
      const state = foldEvents([{ event: created, at: new Date().toISOString() }]).state!;
      events.push(created, decideUpdate(state, { description: `d${i}` }));
    }
    for (const e of events) await k.producer.send(k.names.clientEvents, toClientEventRecord(e, meta).record);
    const chain = `${k.names.clientEvents}/0`;
    const links = async () => (await (await db.ch.client.query({
      query: 'SELECT log_id, chain, chain_seq, hash FROM audit_log FINAL WHERE chain = {chain:String} ORDER BY chain_seq',
      query_params: { chain },
      format: 'JSONEachRow',
    })).json<LinkRow>());
    const rows = await eventually(async () => {
      const r = await links();
      return r.length >= events.length ? r : undefined;
    }, 60_000, `${events.length} chained entries`);
    assert.deepEqual(rows.map((r) => Number(r.chain_seq)), events.map((_, i) => i));

    // The logs API shows each entry's link beside Auth0's fields.
    const shown = await call('GET', `/api/v2/logs/${rows[3]!.log_id}`);
    assert.equal(shown.status, 200);
    assert.deepEqual([shown.body.chain, shown.body.chain_seq, shown.body.hash], [chain, 3, rows[3]!.hash]);

    // Rows are in ClickHouse before their transaction commits; the head rides in that commit.
    const committed = await eventually(async () => {
      const [topic] = await k.admin.fetchOffsets({ groupId: `${k.prefix}apptrail-audit`, topics: [k.names.clientEvents] });
      const p = topic?.partitions.find((x) => x.partition === 0);
      return p && Number(p.offset) === events.length ? p : undefined;
    }, 30_000, 'the batch committed');
    assert.deepEqual(JSON.parse((committed as { metadata?: string }).metadata ?? ''), { v: 1, seq: 11, hash: rows[11]!.hash });
    // A checkpoint on demand: signed, stored, published; the public key verifies it.
    assert.equal((await call('POST', '/api/v2/logs/checkpoints', 'read:logs')).status, 403);
    const made = await call('POST', '/api/v2/logs/checkpoints');
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.deepEqual(made.body.heads, [{ chain, seq: 11, hash: rows[11]!.hash }]);
    const listed = await call('GET', '/api/v2/logs/checkpoints');
    assert.deepEqual(listed.body.map((c: { checkpoint_id: string }) => c.checkpoint_id), [made.body.checkpoint_id]);
    const [published] = await readTopic(k, k.names.auditCheckpoints, { atLeast: 1 });
    assert.deepEqual(parseCheckpointRecord(published!), made.body);
    const publicKey = (await call('GET', '/api/v2/logs/checkpoints/public-key')).body;
    assert.equal(publicKey.kid, made.body.key_id);

    const verify = async (query = '') => {
      const res = await call('GET', `/api/v2/logs/verify${query}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body;
    };
    const intact = await verify();
    assert.equal(intact.intact, true, JSON.stringify(intact.first_break));
    assert.equal(intact.checked, 12);
    assert.deepEqual([intact.checkpoint.signature_valid, intact.checkpoint.heads_checked], [true, 1]);
    // A range: its first entry is checked against the one before it.
    const ranged = await verify(`?from=${rows[4]!.log_id}&to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    assert.equal(ranged.intact, true, JSON.stringify(ranged.first_break));
    // `from` is a time (a log id stands for its entry's millisecond): entries made in the same
    // millisecond as rows[4] are in the range too, and the range is checked from the one before them.
    const fromMs = logIdTimeMs(rows[4]!.log_id)!;
    assert.equal(ranged.chains[0].first_seq, rows.findIndex((r) => logIdTimeMs(r.log_id)! >= fromMs) - 1);
    for (const bad of ['yesterday', '2026-02-30', '9'.repeat(56)]) assert.equal((await call('GET', `/api/v2/logs/verify?from=${bad}`)).status, 400, bad);

    // The untouched trail, to restore between cases.
    await db.ch.client.command({ query: 'CREATE TABLE audit_backup AS audit_log' });
    await db.ch.client.command({ query: 'INSERT INTO audit_backup SELECT * FROM audit_log' });
    const restore = async () => {
      await db.ch.client.command({ query: 'TRUNCATE TABLE audit_log' });
      await db.ch.client.command({ query: 'INSERT INTO audit_log SELECT * FROM audit_backup' });
      assert.equal((await verify()).intact, true, 'restored');
    };
    const expectBreak = async (what: string, reason: string, logId: string, seq: number) => {
      const report = await verify();
      assert.equal(report.intact, false, `${what}: not detected`);
      assert.deepEqual([report.first_break.reason, report.first_break.log_id, report.first_break.seq], [reason, logId, seq], `${what}: ${JSON.stringify(report.first_break)}`);
      await restore();
    };

    // A changed field.
    await db.ch.client.command({ query: "ALTER TABLE audit_log UPDATE description = 'Nothing happened' WHERE log_id = {id:String}", query_params: { id: rows[5]!.log_id }, clickhouse_settings: SETTINGS });
    await expectBreak('changed field', 'hash_mismatch', rows[5]!.log_id, 5);

    // A re-insert of the same entry (same key) with another payload: FINAL shows the newer row.
    await db.ch.client.command({
      query: `INSERT INTO audit_log SELECT * REPLACE ('{"request":{"method":"get","path":"/","query":{}},"response":{"statusCode":200}}' AS details) FROM audit_log WHERE log_id = {id:String}`,
      query_params: { id: rows[6]!.log_id },
    });
    await expectBreak('re-inserted payload', 'hash_mismatch', rows[6]!.log_id, 6);

    // A deleted row: the gap names the seq and the entry after it.
    await db.ch.client.command({ query: 'ALTER TABLE audit_log DELETE WHERE log_id = {id:String}', query_params: { id: rows[7]!.log_id }, clickhouse_settings: SETTINGS });
    await expectBreak('deleted row', 'missing', rows[8]!.log_id, 7);

    // Two swapped rows (their positions exchanged).
    await db.ch.client.command({
      query: 'ALTER TABLE audit_log UPDATE chain_seq = if(log_id = {a:String}, 3, 2) WHERE log_id IN ({a:String}, {b:String})',
      query_params: { a: rows[2]!.log_id, b: rows[3]!.log_id },
      clickhouse_settings: SETTINGS,
    });
    await expectBreak('swapped rows', 'reordered', rows[3]!.log_id, 2);

    // An inserted row, forged well: chained to its predecessor, written by the writer itself.
    const date = new Date(Number(rows[9]!.log_id.slice(0, 16))); // beside the entry it displaces
    const forged: AuditEntry = {
      log_id: makeLogId(date.getTime(), 'forged'), date: date.toISOString(), type: 'sapi', description: 'Grant everything', client_id: 'app', client_name: '', user_id: 'auth0|tamper',
      user_name: 'T', ip: '127.0.0.1', user_agent: 'ua', hostname: '', target_client_id: 'x', target_client_name: '', scope: '', audience: '', connection: '', connection_id: '',
      organization_id: '', strategy: '', strategy_type: '', details: { request: { method: 'patch', path: '/api/v2/clients/x', query: {} }, response: { statusCode: 200 } },
    };
    await insertEncoded(db.ch, linkEntries([encodeEntry(forged)], chain, { seq: 8, hash: rows[8]!.hash }).entries);
    await expectBreak('inserted row', 'inserted', forged.log_id, 9);

    // The last entry deleted: only the signed checkpoint knows it existed.
    await db.ch.client.command({ query: 'ALTER TABLE audit_log DELETE WHERE log_id = {id:String}', query_params: { id: rows[11]!.log_id }, clickhouse_settings: SETTINGS });
    await expectBreak('cut end', 'missing', '', 11);

    // The export (GET /api/v2/logs/export's rows and presentation), checked offline with the public key.
    const exported = await (await db.ch.client.query({ query: buildLogsExportPage({ limit: 1000 }).query, query_params: buildLogsExportPage({ limit: 1000 }).params, format: 'JSONEachRow' })).json<Record<string, unknown>>();
    const lines = exported.map((r) => JSON.stringify(fromAuditRow(r)));
    const key = publicKeyFromText(JSON.stringify(publicKey));
    const offline = await verifyExport(lines, { publicKey: key, checkpoints: listed.body, fromStart: true });
    assert.equal(offline.intact, true, JSON.stringify(offline.first_break));
    assert.equal(offline.checked, 12);
    const at = lines.findIndex((l) => l.includes(rows[4]!.log_id));
    const edited = [...lines];
    edited[at] = edited[at]!.replace('"ip":"127.0.0.1"', '"ip":"10.0.0.66"');
    assert.notEqual(edited[at], lines[at]);
    const caught = await verifyExport(edited, { publicKey: key, checkpoints: listed.body });
    assert.deepEqual([caught.intact, caught.first_break?.reason, caught.first_break?.log_id], [false, 'hash_mismatch', rows[4]!.log_id]);
    testLog.debug({ caught }, 'edited export');
  });
});
