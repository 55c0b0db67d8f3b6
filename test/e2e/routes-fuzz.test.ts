/// <reference lib="es2024.string" />
// Generated requests against every route of the real API (clients, log streams, the tenant's
// resource servers, client grants, settings and signing keys, logs, health,
// docs) over real HTTP on a real broker and the embedded ClickHouse: arbitrary JSON bodies,
// query strings and percent-encoded spellings of the paths, with and without a valid token.
// Whatever comes in, the answer is never a 5xx, every refusal has Auth0's error body, and the
// process still answers /healthz afterwards.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { Client } from 'undici';
import { loadConfig } from '../../shared/config/index.js';
import { createShutdown } from '../../shared/lifecycle/index.js';
import { resolveSigningSecret, SCOPES, verifierFromConfig } from '../../shared/auth/index.js';
import { migrate } from '../../shared/clickhouse/index.js';
import { openTestClickHouse } from '../helpers/clickhouse-target.js';
import { migrations } from '../../shared/migrations/index.js';
import { BODY_LIMIT_BYTES } from '../../shared/http/json-limits.js';
import { buildApp } from '../../services/api/app.js';
import { startApiRole } from '../../services/api/role.js';
import { startLogStreamsFeature } from '../../services/api/log-streams/index.js';
import { logsRoutes } from '../../services/audit/logs-routes.js';
import { consoleRoutes } from '../../services/api/console.js';
import { consoleConfig } from '../../shared/console/config.js';
import { buildConsole } from '../../scripts/console-build.js';
import { tamperRoutes } from '../../services/audit/tamper-routes.js';
import { startCheckpointer } from '../../services/audit/checkpointer.js';
import { checkpointKeyFromSeed } from '../../shared/audit/checkpoint.js';
import { testLog, useKafka } from '../helpers/kafka.js';
import { newDataDir } from '../helpers/api.js';
import { arbBrokenJson, arbBrokenText } from '../helpers/arbitraries.js';

// Node's reason phrases, except where Auth0 (hapi) words them the RFC 2616 way.
const REASONS: Record<number, string> = { ...STATUS_CODES, 413: 'Request Entity Too Large', 414: 'Request-URI Too Large' } as Record<number, string>;

/** Every route, as the router knows it; `:id` is filled in by the generator. */
const ROUTES: Array<[method: string, template: string]> = [
  ['GET', '/healthz'],
  ['GET', '/readyz'],
  ['GET', '/docs'],
  ['GET', '/docs/json'],
  ['POST', '/api/v2/clients'],
  ['GET', '/api/v2/clients'],
  ['GET', '/api/v2/clients/:id'],
  ['PATCH', '/api/v2/clients/:id'],
  ['DELETE', '/api/v2/clients/:id'],
  ['POST', '/api/v2/clients/:id/rotate-secret'],
  ['GET', '/api/v2/clients/:id/versions'],
  ['GET', '/api/v2/logs'],
  ['GET', '/api/v2/logs/export'],
  ['GET', '/api/v2/logs/histogram'],
  ['GET', '/api/v2/logs/verify'],
  ['GET', '/api/v2/logs/checkpoints'],
  ['POST', '/api/v2/logs/checkpoints'],
  ['GET', '/api/v2/logs/checkpoints/public-key'],
  ['GET', '/api/v2/logs/:id'],
  ['POST', '/api/v2/log-streams'],
  ['GET', '/api/v2/log-streams'],
  ['GET', '/api/v2/log-streams/:id'],
  ['PATCH', '/api/v2/log-streams/:id'],
  ['DELETE', '/api/v2/log-streams/:id'],
  ['GET', '/api/v2/log-streams/:id/health'],
  ['GET', '/api/v2/resource-servers'],
  ['GET', '/api/v2/resource-servers/:id'],
  ['POST', '/api/v2/resource-servers'],
  ['PATCH', '/api/v2/resource-servers/:id'],
  ['DELETE', '/api/v2/resource-servers/:id'],
  ['GET', '/api/v2/client-grants'],
  ['GET', '/api/v2/client-grants/:id'],
  ['POST', '/api/v2/client-grants'],
  ['PATCH', '/api/v2/client-grants/:id'],
  ['DELETE', '/api/v2/client-grants/:id'],
  ['GET', '/api/v2/tenants/settings'],
  ['PATCH', '/api/v2/tenants/settings'],
  ['GET', '/api/v2/keys/signing'],
  ['GET', '/api/v2/keys/signing/:id'],
  ['POST', '/api/v2/keys/signing/rotate'],
  ['PUT', '/api/v2/keys/signing/:id/revoke'],
  ['GET', '/'],
  ['GET', '/console'],
  ['GET', '/console/'],
  ['GET', '/console/:id'],
  ['GET', '/console/config.json'],
  ['GET', '/console/assets/:id'],
  ['POST', '/oauth/token'],
  ['GET', '/.well-known/jwks.json'],
  ['GET', '/.well-known/openid-configuration'],
  ['POST', '/oidc/register'],
  ['GET', '/oidc/register/:id'],
  ['PUT', '/oidc/register/:id'],
  ['DELETE', '/oidc/register/:id'],
];

/** Routes of the OAuth side, which refuse in OAuth's shape `{error, error_description}` instead of Auth0's Management API body. */
const OAUTH_ROUTES = new Set(['/oauth/token', '/oidc/register', '/oidc/register/:id']);
const OAUTH_KEYS = new Set(['error', 'error_description', 'error_uri']);

// GET /api/v2/logs/stream is left out: an accepted request is a stream that never ends
// (test/e2e/logs-stream.test.ts covers its refusals).
const QUERY_KEYS = ['as_of', 'fields', 'include_fields', 'page', 'per_page', 'include_totals', 'from', 'to', 'take', 'app_type', 'is_global', 'is_first_party', 'q', 'search', 'sort', 'format', 'interval', 'audience', 'client_id', 'x'];

/** Any text, sometimes with a lone surrogate or NUL spliced in. */
const text = arbBrokenText(12);
const json = arbBrokenJson({ maxDepth: 5, maxEntries: 4, textLength: 12, numbers: fc.double() });

/** Percent-encodes every UTF-16 unit as UTF-8 would, lone surrogates included (WTF-8 bytes). */
function percentEncode(s: string): string {
  let out = '';
  for (const unit of s) {
    const code = unit.codePointAt(0)!;
    if (/^[A-Za-z0-9_.~-]$/.test(unit)) out += unit;
    else if (code >= 0xd800 && code <= 0xdfff) out += `%ED%${(0xa0 | ((code >> 6) & 0x1f)).toString(16).toUpperCase()}%${(0x80 | (code & 0x3f)).toString(16).toUpperCase()}`;
    else out += [...Buffer.from(unit)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return out;
}

/** Bytes that are not valid percent-encoded UTF-8, or are NUL. */
const badEncoding = fc.constantFrom('%E0%A4%A', '%ED%A0%80', '%00', '%', '%zz', '%C0%AF', '%FF', '%F0%9F%98');

/** A path segment: a real id, a random one, an over-long one, or a broken encoding. */
function segment(ids: string[]) {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...ids) },
    { weight: 3, arbitrary: text.map(percentEncode).filter((s) => s.length > 0) },
    { weight: 1, arbitrary: fc.integer({ min: 64, max: 200 }).map((n) => 'a'.repeat(n)) },
    { weight: 1, arbitrary: badEncoding },
  );
}

/** Spells a path differently without changing what it decodes to, sometimes breaking it. */
function respell(path: string) {
  return fc.tuple(fc.array(fc.boolean(), { minLength: path.length, maxLength: path.length }), fc.boolean(), fc.constantFrom('', '/', '//', '/extra', '/%2F', '/..')).map(([flags, lower, tail]) => {
    const spelt = [...path].map((c, i) => (flags[i] && /[a-z0-9-]/.test(c) ? `%${c.charCodeAt(0).toString(16)[lower ? 'toLowerCase' : 'toUpperCase']()}` : c)).join('');
    return spelt + tail;
  });
}

function pathArb(ids: string[]) {
  return fc
    .tuple(fc.constantFrom(...ROUTES), segment(ids))
    .chain(([[method, template], id]) => {
      const plain = template.replace(':id', id);
      return fc.tuple(fc.constant(method), fc.constant(template), fc.oneof({ weight: 2, arbitrary: fc.constant(plain) }, { weight: 2, arbitrary: respell(plain) }));
    });
}

const queryArb = fc.oneof(
  { weight: 2, arbitrary: fc.constant('') },
  {
    weight: 5,
    arbitrary: fc
      .array(
        fc.tuple(fc.oneof(fc.constantFrom(...QUERY_KEYS), text), fc.oneof(text, fc.constantFrom('true', 'false', '0', '1', '100', '-1', 'name,client_id', 'type:sapi', 'date:1'))).map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`),
        { maxLength: 4 },
      )
      .map((pairs) => (pairs.length ? `?${pairs.join('&')}` : '')),
  },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...QUERY_KEYS), badEncoding).map(([k, bad]) => `?${k}=a${bad}`) },
);

interface BodySpec {
  contentType?: string;
  payload?: string | Buffer;
}

const CLIENT_FIELDS = [
  'name', 'description', 'app_type', 'callbacks', 'addons', 'client_metadata', 'mobile', 'jwt_configuration', 'native_social_login', 'refresh_token', 'grant_types', 'sink', 'type', 'filters', 'status',
  // token requests and registrations
  'grant_type', 'client_id', 'client_secret', 'audience', 'scope', 'client_name', 'redirect_uris', 'token_endpoint_auth_method', 'response_types', 'logo_uri',
];
const FORM_KEYS = ['grant_type', 'client_id', 'client_secret', 'audience', 'scope', '__proto__', 'x'];

const bodyArb: fc.Arbitrary<BodySpec> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({}) },
  // Arbitrary JSON, and JSON shaped like a client or a stream with arbitrary values.
  { weight: 4, arbitrary: json.map((v) => ({ contentType: 'application/json', payload: JSON.stringify(v) ?? 'null' })) },
  {
    weight: 4,
    arbitrary: fc
      .dictionary(fc.constantFrom(...CLIENT_FIELDS), json, { maxKeys: 4 })
      .map((fields) => ({ contentType: 'application/json; charset=utf-8', payload: JSON.stringify({ name: 'fuzz', ...fields }) })),
  },
  // Nesting of any depth, up to what fits in the body limit.
  {
    weight: 2,
    arbitrary: fc.tuple(fc.integer({ min: 1, max: 200_000 }), fc.constantFrom('[', '{"addons":')).map(([depth, open]) => ({
      contentType: 'application/json',
      payload: `{"name":"deep","addons":${open.repeat(depth)}1${(open === '[' ? ']' : '}').repeat(depth)}}`,
    })),
  },
  { weight: 1, arbitrary: fc.integer({ min: 9_000, max: 60_000 }).map((n) => ({ contentType: 'application/json', payload: `{"name":"wide","callbacks":[${Array(n).fill('"x"').join(',')}]}` })) },
  // Not JSON, not a JSON media type, or too large.
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }).map((s) => ({ contentType: 'application/json', payload: s })) },
  { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x').map((contentType) => ({ contentType, payload: 'name=x' })) },
  { weight: 1, arbitrary: fc.constant({ contentType: 'application/json', payload: Buffer.alloc(BODY_LIMIT_BYTES + 10, 0x20) }) },
  // Form bodies (the token endpoint's), repeated keys and broken encodings included.
  {
    weight: 2,
    arbitrary: fc
      .array(fc.tuple(fc.oneof(fc.constantFrom(...FORM_KEYS), text), fc.oneof(text, fc.constantFrom('client_credentials', 'https://apptrail.test/api/v2/'), badEncoding)), { maxLength: 5 })
      .map((pairs) => ({ contentType: 'application/x-www-form-urlencoded', payload: pairs.map(([k, v]) => `${percentEncode(k)}=${v.startsWith('%') ? v : percentEncode(v)}`).join('&') })),
  },
  { weight: 1, arbitrary: fc.constant({ contentType: 'application/json', payload: Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]) }) },
);

type Auth = 'valid' | 'none' | 'garbage' | 'scheme';
const authArb = fc.constantFrom<Auth>('valid', 'valid', 'none', 'garbage', 'scheme');

const AUTH0_KEYS = new Set(['statusCode', 'error', 'message', 'errorCode', 'attributes']);

async function startFullApi(t: TestContext) {
  // The console is served as `npm start` serves it: built.
  await buildConsole();
  const k = await useKafka(t);
  const dataDir = await newDataDir(t);
  const config = loadConfig({ DATA_DIR: dataDir, KAFKA_TOPIC_PREFIX: k.prefix, KAFKA_PARTITIONS: '3', LOG_STREAMS_ALLOW_INSECURE_LOOPBACK: 'true' });
  const shutdown = createShutdown(testLog, 10_000);
  t.after(() => shutdown.shutdown('test done'));
  const ch = await openTestClickHouse('routes_fuzz', `${dataDir}/clickhouse`);
  shutdown.add('clickhouse', () => ch.dispose());
  await migrate(ch, migrations);
  const deps = { config, kafka: k.kafka, admin: k.admin, names: k.names, log: testLog, shutdown };
  const api = await startApiRole({ ...deps, ch });
  const streams = await startLogStreamsFeature(deps);
  const key = await checkpointKeyFromSeed(Buffer.alloc(32, 4));
  const checkpointer = startCheckpointer({ ch, producer: k.producer, topic: k.names.auditCheckpoints, key, heads: () => [], intervalMs: 0, log: testLog });
  shutdown.add('checkpointer', () => checkpointer.stop());
  const app = await buildApp({
    log: testLog,
    verify: await verifierFromConfig(config, api.directory),
    features: [api.feature, streams.feature, (a) => logsRoutes(a, { ch }), (a) => tamperRoutes(a, { ch, key, checkpoint: checkpointer.checkpoint }), (a) => consoleRoutes(a, { config: consoleConfig(config) })],
    readiness: { ...api.readiness, ...streams.readiness },
  });
  shutdown.add('app', () => app.close());
  await app.listen({ host: '127.0.0.1', port: 0 });
  const http = new Client(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`);
  shutdown.add('http client', () => http.close());

  const secret = await resolveSigningSecret(config);
  const token = await new SignJWT({ scope: SCOPES.join(' '), azp: 'fuzz-app' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('auth0|fuzz')
    .setAudience(config.AUTH_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(secret);
  const headersFor = (auth: Auth): Record<string, string> =>
    auth === 'valid' ? { authorization: `Bearer ${token}` } : auth === 'garbage' ? { authorization: 'Bearer not.a.token' } : auth === 'scheme' ? { authorization: `Basic ${token}` } : {};

  async function send(method: string, path: string, auth: Auth, body: BodySpec = {}, extra: Record<string, string> = {}) {
    const headers: Record<string, string> = { ...headersFor(auth), ...(body.contentType ? { 'content-type': body.contentType } : {}), ...extra };
    const res = await http.request({ method: method as 'GET', path, headers, ...(body.payload === undefined ? {} : { body: body.payload }) });
    return { status: res.statusCode, text: await res.body.text() };
  }

  return { send };
}

describe('every route under generated input', () => {
  it('never answers 5xx, always refuses with Auth0\'s body, and keeps answering /healthz', async (t) => {
    const { send } = await startFullApi(t);

    // Real ids, so generated requests also reach the code behind the existence checks.
    const ids: string[] = [];
    for (const name of ['Fuzz one', 'Fuzz two']) {
      const created = await send('POST', '/api/v2/clients', 'valid', { contentType: 'application/json', payload: JSON.stringify({ name }) });
      assert.equal(created.status, 201, created.text);
      ids.push((JSON.parse(created.text) as { client_id: string }).client_id);
    }
    const stream = await send('POST', '/api/v2/log-streams', 'valid', { contentType: 'application/json', payload: JSON.stringify({ type: 'http', sink: { httpEndpoint: 'http://127.0.0.1:9/never', httpContentType: 'application/json', httpContentFormat: 'JSONLINES' } }) });
    assert.equal(stream.status, 200, stream.text);
    ids.push((JSON.parse(stream.text) as { id: string }).id);
    const rs = await send('POST', '/api/v2/resource-servers', 'valid', { contentType: 'application/json', payload: JSON.stringify({ identifier: 'https://fuzz.example', scopes: [{ value: 'read:fuzz' }] }) });
    assert.equal(rs.status, 201, rs.text);
    ids.push((JSON.parse(rs.text) as { id: string }).id);
    const grant = await send('POST', '/api/v2/client-grants', 'valid', { contentType: 'application/json', payload: JSON.stringify({ client_id: ids[0], audience: 'https://fuzz.example', scope: ['read:fuzz'] }) });
    assert.equal(grant.status, 201, grant.text);
    ids.push((JSON.parse(grant.text) as { id: string }).id);
    const keys = JSON.parse((await send('GET', '/api/v2/keys/signing', 'valid')).text) as Array<{ kid: string }>;
    ids.push(...keys.map((k) => k.kid));
    const enabled = await send('PATCH', '/api/v2/tenants/settings', 'valid', { contentType: 'application/json', payload: JSON.stringify({ flags: { enable_dynamic_client_registration: true } }) });
    assert.equal(enabled.status, 200, enabled.text);
    const registered = await send('POST', '/oidc/register', 'none', { contentType: 'application/json', payload: JSON.stringify({ client_name: 'Fuzz DCR', redirect_uris: ['https://fuzz.example.com/cb'] }) });
    assert.equal(registered.status, 201, registered.text);
    ids.push((JSON.parse(registered.text) as { client_id: string }).client_id);

    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(pathArb(ids), queryArb, bodyArb, authArb, async ([method, template, path], query, body, auth) => {
        const withBody = method === 'POST' || method === 'PATCH' || method === 'PUT' || method === 'DELETE';
        const res = await send(method, path + query, auth, withBody ? body : {});
        seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
        const what = `${method} ${path}${query} → ${res.status} ${res.text.slice(0, 300)}`;
        if (template === '/readyz' && res.status === 503) return; // readiness may say "not yet"; that is its job
        assert.ok(res.status < 500, what);
        if (res.status < 400) return;
        const parsed = JSON.parse(res.text) as Record<string, unknown>;
        if (OAUTH_ROUTES.has(template) && 'error_description' in parsed) {
          assert.ok(Object.keys(parsed).every((key) => OAUTH_KEYS.has(key)), what);
          assert.equal(typeof parsed.error, 'string', what);
          assert.equal(typeof parsed.error_description, 'string', what);
          assert.ok(!/Maximum call stack|RangeError|at .*\.ts:\d+/.test(String(parsed.error_description)), what);
          return;
        }
        assert.ok(Object.keys(parsed).every((key) => AUTH0_KEYS.has(key)), what);
        assert.equal(parsed.statusCode, res.status, what);
        assert.equal(parsed.error, REASONS[res.status], what);
        assert.equal(typeof parsed.message, 'string', what);
        assert.equal(typeof parsed.errorCode, 'string', what);
        assert.ok(!/Maximum call stack|RangeError|at .*\.ts:\d+/.test(String(parsed.message)), what);
      }),
      { numRuns: 400 },
    );

    const alive = await send('GET', '/healthz', 'none');
    assert.deepEqual({ status: alive.status, body: JSON.parse(alive.text) }, { status: 200, body: { status: 'ok' } });
    // The generated mix must have reached past the guards, not only bounced off them.
    assert.ok([...seen.keys()].some((s) => s < 300), `statuses seen: ${JSON.stringify([...seen])}`);
    assert.ok([400, 401, 404].every((s) => seen.has(s)), `statuses seen: ${JSON.stringify([...seen])}`);
  });

  it('answers the reported cases as Auth0 would', async (t) => {
    const { send } = await startFullApi(t);
    const json = (payload: string) => ({ contentType: 'application/json', payload });
    const expect = async (res: Promise<{ status: number; text: string }>, status: number, body: Record<string, unknown>) => {
      const r = await res;
      assert.deepEqual({ status: r.status, body: JSON.parse(r.text) as unknown }, { status, body });
    };
    const invalidBody = (message: string) => ({ statusCode: 400, error: 'Bad Request', message, errorCode: 'invalid_body' });
    await expect(send('POST', '/api/v2/clients', 'valid', json('{"name":"x\\ud800"}')), 400, invalidBody("Payload validation error: 'String is not well-formed Unicode (lone surrogate at index 1)' on property name."));
    await expect(send('POST', '/api/v2/clients', 'valid', json('{"name":"x\\u0000"}')), 400, invalidBody("Payload validation error: 'String contains a NUL character at index 1' on property name."));
    await expect(send('POST', '/api/v2/clients', 'valid', json('{"name":"a","addons":{"\\udc00":{}}}')), 400, invalidBody("Payload validation error: 'Invalid property name: String is not well-formed Unicode (lone surrogate at index 0)' on property addons."));
    await expect(
      send('POST', '/api/v2/clients', 'valid', json(`{"name":"a","addons":{"samlp":${'{"k":'.repeat(9)}1${'}'.repeat(9)}}}`)),
      400,
      invalidBody("Payload validation error: 'Object is nested too deeply (more than 8 levels)' on property addons (Add-on settings, keyed by add-on)."),
    );
    for (const depth of [4_000, 100_000]) {
      const res = await send('POST', '/api/v2/clients', 'valid', json(`{"name":"a","addons":${'['.repeat(depth)}${']'.repeat(depth)}}`));
      assert.equal(res.status, 400, res.text);
      assert.match(res.text, /Value is nested too deeply \(more than 32 levels\)' on property addons\[0\]\[0\]/);
    }
    await expect(send('POST', '/api/v2/clients', 'valid', json(`{"name":"${'x'.repeat(BODY_LIMIT_BYTES)}"}`)), 413, {
      statusCode: 413, error: 'Request Entity Too Large', message: 'Payload content length greater than maximum allowed: 1048576', errorCode: 'payload_too_large',
    });
    await expect(send('POST', '/api/v2/clients', 'valid', { contentType: 'text/plain', payload: 'name=x' }), 415, { statusCode: 415, error: 'Unsupported Media Type', message: 'Unsupported Media Type', errorCode: 'unsupported_media_type' });
    await expect(send('POST', '/api/v2/clients', 'valid', json('{"name":')), 400, invalidBody('Invalid request payload JSON format'));
    const missing = { statusCode: 401, error: 'Unauthorized', message: 'Missing authentication', errorCode: 'missing_authentication', attributes: { error: 'Missing authentication' } };
    await expect(send('GET', '/api/%762/clients', 'none'), 401, missing);
    await expect(send('GET', '/%61pi/v2/logs', 'none'), 401, missing);
    await expect(send('GET', '/%61pi/v2/log-streams', 'none'), 401, missing);
    const spelt = await send('GET', '/%61pi/v2/logs?take=1', 'valid');
    assert.equal(spelt.status, 200, spelt.text);
    // The checkpoint link is built from the Host header, which may be no URL authority at all.
    const oddHost = await send('GET', '/api/v2/logs?take=1', 'valid', {}, { host: 'x:99999' });
    assert.equal(oddHost.status, 200, oddHost.text);
    await expect(send('GET', '/api/v2/clients/%E0%A4%A', 'valid'), 400, { statusCode: 400, error: 'Bad Request', message: "Path validation error: 'Invalid percent-encoding in the path'.", errorCode: 'invalid_uri' });
    await expect(send('GET', '/api/v2/clients/a%00b', 'valid'), 400, { statusCode: 400, error: 'Bad Request', message: "Path validation error: 'String contains a NUL character at index 1' on property id.", errorCode: 'invalid_uri' });
    await expect(send('GET', '/api/v2/clients?fields=%ED%A0%80', 'valid'), 400, { statusCode: 400, error: 'Bad Request', message: "Query validation error: 'Invalid percent-encoding in the query string'.", errorCode: 'invalid_query_string' });
    await expect(send('GET', '/api/v2/clients?fields=a%00', 'valid'), 400, { statusCode: 400, error: 'Bad Request', message: "Query validation error: 'String contains a NUL character at index 1' on property fields.", errorCode: 'invalid_query_string' });
    // Refused by Node's HTTP parser before Fastify sees it.
    await expect(send('GET', '/healthz', 'none', {}, { 'x-big': 'x'.repeat(20_000) }), 431, { statusCode: 431, error: 'Request Header Fields Too Large', message: 'Exceeded maximum allowed HTTP header size', errorCode: 'header_too_large' });
  });
});
