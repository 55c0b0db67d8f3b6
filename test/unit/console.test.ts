// The console's build and serving, without a browser: the bundle loads nothing from another host
// and has no inline script; the token never goes to localStorage; the API role serves the pages
// with the CSP, the SPA fallback and Auth0 error bodies; and the explorer's filters can never be
// read as query syntax, whatever is typed into them.
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
