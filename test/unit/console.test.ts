// The console's build and serving, without a browser: the bundle loads nothing from another host
// and has no inline script; the token never goes to localStorage; the API role serves the pages
// with the CSP, the SPA fallback and Auth0 error bodies; and the explorer's filters can never be
// read as query syntax, whatever is typed into them; /console/config.json names the audience the
// sign-in asks /oauth/token for; the live tail resumes with Last-Event-ID and keeps a bounded list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { buildConsole, consoleDist } from '../../scripts/console-build.js';
import { buildApp } from '../../services/api/app.js';
import { CONSOLE_CSP, consoleRoutes } from '../../services/api/console.js';
import { createLogger } from '../../shared/log/index.js';
import { parseLogQuery, type Ast } from '../../shared/audit/index.js';
import { compileQuery, EMPTY_FILTERS } from '../../services/console/src/filters.js';
import { prependLive, startLiveTail, type TailState } from '../../services/console/src/live-tail.js';
import { consoleConfig } from '../../shared/console/config.js';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { arbOddText } from '../helpers/odd-text.js';

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return (await Promise.all(entries.map((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)])))).flat();
}

// XML namespace names in Preact's DOM code are identifiers, never fetched.
const NAMESPACES = new Set(['http://www.w3.org/2000/svg', 'http://www.w3.org/1999/xhtml', 'http://www.w3.org/1998/Math/MathML', 'http://www.w3.org/1999/xlink', 'http://www.w3.org/XML/1998/namespace']);

test('the built console refers to no other host and has no inline script or style', async () => {
  await buildConsole();
  const files = await filesUnder(consoleDist);
  assert.ok(files.some((f) => f.endsWith('.js')) && files.some((f) => f.endsWith('.css')), 'a script and a stylesheet were built');
  for (const file of files.filter((f) => /\.(js|css|html|svg)$/.test(f))) {
    const text = await readFile(file, 'utf8');
    const urls = [...text.matchAll(/(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}[^\s"'`)]*/gi)].map((m) => m[0]).filter((u) => !NAMESPACES.has(u));
    assert.deepEqual(urls, [], `${file} refers to another host`);
    assert.doesNotMatch(text, /@import|url\(\s*['"]?(?!\/console\/|data:image\/svg)/, `${file}: every url() is local`);
  }
  const html = await readFile(join(consoleDist, 'index.html'), 'utf8');
  const scripts = [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)];
  assert.ok(scripts.length > 0);
  for (const [tag, body] of scripts) {
    assert.match(tag, /\bsrc="\/console\/assets\/[^"]+\.js"/, 'scripts load from the console itself');
    assert.equal(body!.trim(), '', 'no inline script (the CSP would block it)');
  }
  assert.doesNotMatch(html, /<style|\sstyle=|\son[a-z]+=/i, 'no inline style or handler');
});

test('the console never writes localStorage nor puts the token in a URL', async () => {
  const sources = await filesUnder('services/console/src');
  for (const file of sources) {
    const text = await readFile(file, 'utf8');
    assert.doesNotMatch(text, /\blocalStorage\s*[.[]|document\.cookie/, `${file} uses localStorage or cookies`);
  }
  const api = await readFile('services/console/src/api.ts', 'utf8');
  assert.match(api, /authorization = `Bearer \$\{token\}`/, 'the token travels in the Authorization header');
});

test('the API role serves the console: redirect, CSP, SPA fallback, cached assets, Auth0 404s', async () => {
  await buildConsole();
  const app = await buildApp({ log: createLogger({ level: 'silent' }), readiness: {}, features: [(a) => consoleRoutes(a)] });
  try {
    const root = await app.inject('/');
    assert.equal(root.statusCode, 302);
    assert.equal(root.headers.location, '/console/');
    assert.equal((await app.inject('/console')).headers.location, '/console/');
    const page = await app.inject('/console/');
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.equal(page.headers['content-security-policy'], CONSOLE_CSP);
    assert.match(CONSOLE_CSP, /script-src 'self'(;|$)/);
    assert.doesNotMatch(CONSOLE_CSP, /unsafe|\*|https?:/);
    assert.equal(page.headers['cache-control'], 'no-cache');
    // The single-page app's own routes come back as the page, so a reload works.
    for (const path of ['/console/logs', '/console/clients/abc', '/console/log-streams?x=1']) {
      const res = await app.inject(path);
      assert.equal(res.statusCode, 200, path);
      assert.equal(res.body, page.body, path);
    }
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(page.body)![1]!;
    const asset = await app.inject(script);
    assert.equal(asset.statusCode, 200);
    assert.match(String(asset.headers['content-type']), /javascript/);
    assert.match(String(asset.headers['cache-control']), /immutable/);
    assert.equal(asset.headers['content-security-policy'], CONSOLE_CSP);
    const missing = await app.inject('/console/assets/nope.js');
    assert.equal(missing.statusCode, 404);
    assert.deepEqual(Object.keys(JSON.parse(missing.body)).sort(), ['error', 'errorCode', 'message', 'statusCode']);
    // Outside /console/ nothing changed: still Auth0's 404, without the console's headers.
    const other = await app.inject('/nope');
    assert.equal(other.statusCode, 404);
    assert.equal(other.headers['content-security-policy'], undefined);
  } finally {
    await app.close();
  }
});

test('without a build the console answers 503 with an Auth0 body saying how to build it', async () => {
  const empty = await mkdtemp(join(tmpdir(), 'apptrail-console-'));
  const app = await buildApp({ log: createLogger({ level: 'silent' }), readiness: {}, features: [(a) => consoleRoutes(a, { root: empty })] });
  try {
    for (const path of ['/console/', '/console/logs']) {
      const res = await app.inject(path);
      assert.equal(res.statusCode, 503, path);
      const body = JSON.parse(res.body);
      assert.equal(body.errorCode, 'console_not_built');
      assert.match(body.message, /npm run console:build/);
    }
  } finally {
    await app.close();
    await rm(empty, { recursive: true, force: true });
  }
});

/** Every value a match node in the tree compares with, by field list. */
function matches(ast: Ast, out: Array<{ fields: string; value: string }> = []): Array<{ fields: string; value: string }> {
  if (ast.kind === 'match') out.push({ fields: ast.fields.join(','), value: ast.value });
  if ('children' in ast) for (const c of ast.children as Ast[]) matches(c, out);
  if ('child' in ast) matches(ast.child as Ast, out);
  return out;
}

test('a filter value is always matched as a whole value, never read as query syntax', () => {
  const value = arbOddText({ maxLength: 40 }).filter((s) => s.trim().length > 0 && s.trim().length <= 200);
  fc.assert(
    fc.property(fc.option(value, { nil: '' }), fc.option(value, { nil: '' }), fc.constantFrom('', 'sapi', 'fapi'), (actor, target, type) => {
      const q = compileQuery({ ...EMPTY_FILTERS, actor, target, type });
      const found = matches(parseLogQuery(q));
      const expected = [
        ...(type ? [{ fields: 'type', value: type }] : []),
        ...(actor ? ['client_id', 'client_name', 'user_id', 'user_name'].map((f) => ({ fields: f, value: actor.trim() })) : []),
        ...(target ? ['target_client_id', 'target_client_name'].map((f) => ({ fields: f, value: target.trim() })) : []),
      ];
      assert.deepEqual(found, expected, q);
    }),
  );
  // A typed q keeps its meaning next to the filters; date bounds come through as instants.
  const q = compileQuery({ ...EMPTY_FILTERS, q: 'type:fapi OR type:sapi', type: 'sapi', from: '2026-11-01T00:00:00.000Z', to: '' });
  assert.equal(q, '(type:fapi OR type:sapi) AND type:"sapi" AND date:["2026-11-01T00:00:00.000Z" TO *]');
  assert.equal(parseLogQuery(q).kind, 'and');
});

test('/console/config.json tells the sign-in the Management API audience and the token endpoint, with or without a build', async () => {
  const empty = await mkdtemp(join(tmpdir(), 'apptrail-console-'));
  const config = consoleConfig({ AUTH_AUDIENCE: 'https://tenant.example/api/v2/' });
  for (const root of [undefined, empty]) {
    const app = await buildApp({ log: createLogger({ level: 'silent' }), readiness: {}, features: [(a) => consoleRoutes(a, { root, config })] });
    try {
      const res = await app.inject('/console/config.json');
      assert.equal(res.statusCode, 200);
      assert.deepEqual(JSON.parse(res.body), { token_endpoint: '/oauth/token', management_api: { audience: 'https://tenant.example/api/v2/' } });
      assert.equal(res.headers['content-security-policy'], CONSOLE_CSP);
    } finally {
      await app.close();
    }
  }
  await rm(empty, { recursive: true, force: true });
});

test('the live list is newest first, bounded, and lists an id once', () => {
  const entry = fc.record({ log_id: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'), n: fc.nat() });
  fc.assert(
    fc.property(fc.array(entry, { maxLength: 60 }), fc.integer({ min: 1, max: 10 }), (arrivals, max) => {
      let list: Array<{ log_id: string; n: number }> = [];
      for (const e of arrivals) {
        const before = list;
        list = prependLive(list, e, max);
        if (before.some((x) => x.log_id === e.log_id)) assert.equal(list, before, 'a repeat changes nothing');
        else assert.equal(list[0], e, 'a new entry goes first');
      }
      assert.ok(list.length <= max);
      assert.equal(new Set(list.map((e) => e.log_id)).size, list.length);
    }),
  );
  fc.assert(
    fc.property(fc.uniqueArray(fc.uuid(), { maxLength: 40 }), fc.integer({ min: 1, max: 50 }), (ids, max) => {
      const list = ids.reduce((l: Array<{ log_id: string }>, id) => prependLive(l, { log_id: id }, max), []);
      assert.deepEqual(list.map((e) => e.log_id), [...ids].reverse().slice(0, max));
    }),
  );
});

test('the live tail sends the token and q, resumes after a drop with Last-Event-ID, and closes on a refusal', async () => {
  const seen: IncomingHttpHeaders[] = [];
  const urls: string[] = [];
  let refuse = false;
  const server = createServer((req, res) => {
    seen.push(req.headers);
    urls.push(req.url ?? '');
    if (refuse) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ statusCode: 400, error: 'Bad Request', message: 'bad q at position 3', errorCode: 'invalid_query_string' }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    // The first connection sends two entries and drops; the second sends one more and stays open.
    const first = seen.length === 1;
    const ids = first ? ['e1', 'e2'] : ['e3'];
    for (const id of ids) res.write(`id: ${id}\ndata: ${JSON.stringify({ log_id: id })}\n\n`);
    if (first) res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const auth = { token: () => 'the-token', onUnauthorized: () => assert.fail('no 401 here') };
  const entries: string[] = [];
  const states: TailState[] = [];
  const errors: unknown[] = [];
  const tail = startLiveTail({ ...auth, q: 'type:"sapi"', origin, onEntry: (e) => entries.push((e as { log_id: string }).log_id), onState: (s, err) => (states.push(s), err && errors.push(err)) });
  try {
    for (let i = 0; i < 100 && entries.length < 3; i++) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(entries, ['e1', 'e2', 'e3']);
    assert.equal(seen.length, 2);
    assert.equal(seen[0]!.authorization, 'Bearer the-token');
    assert.equal(seen[0]!['last-event-id'], undefined, 'a new tail starts from now');
    assert.equal(seen[1]!['last-event-id'], 'e2', 'the reconnect resumes after the last entry received');
    for (const u of urls) assert.equal(new URL(u, origin).searchParams.get('q'), 'type:"sapi"');
    assert.deepEqual(states, ['connecting', 'live', 'reconnecting', 'live']);
  } finally {
    tail.stop();
  }
  assert.equal(states.at(-1), 'closed');

  // A refusal that retrying cannot mend (a bad q) closes the tail with the API's error, once.
  refuse = true;
  const refusedStates: TailState[] = [];
  const refused = startLiveTail({ ...auth, q: 'type:(', origin, onEntry: () => {}, onState: (s, err) => (refusedStates.push(s), err && errors.push(err)) });
  for (let i = 0; i < 100 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 700));
  assert.deepEqual(refusedStates, ['connecting', 'closed']);
  assert.match(String((errors[0] as Error).message), /position 3/);
  refused.stop();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
