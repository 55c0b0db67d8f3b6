// The web console in a real browser (Debian's chromium through playwright-core) against the whole
// system as `npm start` runs it: sign-in, the audit explorer (q, a filter, an entry's diff, the
// histogram, export), a client's detail and its secret on demand, a log stream's health with
// pause/resume, a keyboard-only path, and a 401 that leads back to sign-in. Screenshots go to
// test-artifacts/screenshots/. Assertions are on visible text and roles, so a broken console fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { eventually, testBrokers } from '../helpers/kafka.js';
import { freePortPair, startAppProcess } from '../helpers/app-process.js';
import { newDataDir } from '../helpers/api.js';
import { startHttpReceiver } from '../helpers/receivers/index.js';
import { startBrowser } from '../helpers/browser.js';
import { buildConsole } from '../../scripts/console-build.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers of the API under test
type Json = any;

/** Neither the token nor any part of it may be kept where it outlives the tab or travels in a link. */
async function assertTokenNotLeaked(page: Page, token: string): Promise<void> {
  // Page code as strings: the test's own tsconfig has no DOM types.
  const local = await page.evaluate<string>('JSON.stringify(Object.entries(localStorage))');
  assert.ok(!local.includes(token.split('.')[2]!), 'no token in localStorage');
  assert.equal(await page.evaluate<number>('localStorage.length'), 0, 'the console keeps nothing in localStorage');
  assert.ok(!page.url().includes(token.split('.')[1]!), `no token in the URL (${page.url()})`);
}

/** Usable on a 1366x768 laptop: nothing makes the page scroll sideways. */
async function assertFitsWidth(page: Page, what: string): Promise<void> {
  const [scroll, inner] = await page.evaluate<[number, number]>('[document.documentElement.scrollWidth, window.innerWidth]');
  assert.ok(scroll <= inner, `${what}: the page is ${scroll} px wide in a ${inner} px window`);
}

test('the console: sign-in, audit explorer, clients, log streams, keyboard only, 401', { timeout: 240_000 }, async (t) => {
  await buildConsole();
  const dataDir = await newDataDir(t);
  const receiver = await startHttpReceiver({ authorization: 'Bearer webhook-token', format: 'JSONLINES' });
  t.after(() => receiver.close());
  const port = await freePortPair();
  const app = startAppProcess({
    PORT: String(port),
    KAFKA_BROKERS: testBrokers().join(','),
    KAFKA_TOPIC_PREFIX: `t-${randomUUID().slice(0, 8)}.`,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    LOG_STREAMS_ALLOW_INSECURE_LOOPBACK: 'true',
  });
  t.after(() => app.kill());
  await eventually(async () => ((await fetch(`${app.origin}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined), 90_000, `/readyz (${app.output().slice(-500)})`);
  const token = await app.token();
  const call = async (method: string, path: string, body?: unknown): Promise<Json> => {
    const res = await fetch(`${app.origin}/api/v2${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };

  // Data to look at, made through the API as any caller would.
  const run = randomUUID().slice(0, 6);
  const names = ['Alpha', 'Bravo', 'Charlie'].map((n) => `Console ${n} ${run}`);
  const clients: Json[] = [];
  for (const name of names) clients.push(await call('POST', '/clients', { name, app_type: 'non_interactive', description: 'before the change' }));
  const changed = clients[1];
  await call('PATCH', `/clients/${changed.client_id}`, { description: 'after the change' });
  const stream = await call('POST', '/log-streams', { name: `Console stream ${run}`, type: 'http', sink: { httpEndpoint: `${receiver.origin}/api/logs`, httpAuthorization: 'Bearer webhook-token' } });
  await eventually(async () => {
    const res = await call('GET', `/logs?include_totals=true&q=${encodeURIComponent(`target_client_id:"${changed.client_id}"`)}`);
    return res.total >= 2 ? true : undefined;
  }, 60_000, 'the create and the update of the changed client in the audit log');

  const { page, screenshot, problems } = await startBrowser(t, { prefix: 'console' });

  await t.test('GET / leads to the sign-in page, which renders quickly', async () => {
    const started = Date.now();
    await page.goto(`${app.origin}/`);
    await page.getByRole('heading', { name: 'Sign in to the apptrail console' }).waitFor();
    const firstRenderMs = Date.now() - started;
    const fcp = await page.evaluate<number | null>("performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null");
    t.diagnostic(`console first render: ${firstRenderMs} ms from navigation to the sign-in heading; first-contentful-paint ${fcp === null ? 'n/a' : `${Math.round(fcp)} ms`}`);
    assert.equal(new URL(page.url()).pathname, '/console/');
    await page.getByText('Get a development token').click();
    await assert.doesNotReject(page.getByText('npm run token', { exact: true }).waitFor(), 'the dev token hint names npm run token');
    await screenshot('01-sign-in');
  });

  await t.test('a wrong token is refused with the API\'s message; the right one signs in', async () => {
    await page.getByLabel('Access token').fill(`${token.slice(0, -4)}AAAA`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Auth0's error body: its status, message and errorCode.
    const refused = page.getByRole('alert').filter({ hasText: '401' });
    await refused.locator('code.errcode').filter({ hasText: 'invalid_token' }).waitFor();
    await page.getByLabel('Access token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/console/logs');
    await assertTokenNotLeaked(page, token);
  });

  await t.test('the explorer finds entries with q and a type filter, and shows an entry\'s diff', async () => {
    // A malformed q: the API's 400 says where it broke, and the console shows it.
    await page.getByLabel('Search', { exact: true }).fill('type:(fapi OR');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: /400 Bad Request:.*position \d+/ }).waitFor();
    await page.getByLabel('Search', { exact: true }).fill(`target_client_name:"${names[1]}"`);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.locator('#result-count', { hasText: '2 entries match' }).waitFor();
    await page.getByLabel('Type', { exact: true }).selectOption('sapi');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByTestId('effective-q').filter({ hasText: 'type:"sapi"' }).waitFor();
    await page.locator('#result-count', { hasText: /^2 entries match/ }).waitFor();
    const rows = page.locator('table.results > tbody > tr:not(.detail)');
    assert.equal(await rows.count(), 2);
    assert.deepEqual(await rows.locator('.badge').allTextContents(), ['sapi', 'sapi']);
    // The histogram of the same search: both entries, as sapi.
    await page.getByRole('img', { name: /^2 entries per / }).waitFor();

    const update = rows.filter({ hasText: 'Update a client' });
    await update.getByRole('button', { name: /^Details/ }).click();
    const diff = page.getByRole('table', { name: 'Field changes, before and after' });
    const description = diff.getByRole('row', { name: /description/ });
    await description.waitFor();
    assert.match(await description.textContent() ?? '', /before the change.*after the change/);
    await page.getByLabel('Request', { exact: true }).filter({ hasText: '"after the change"' }).waitFor();
    await assertFitsWidth(page, 'an open entry');
    await screenshot('02-explorer-diff');
  });

  await t.test('the current search exports as NDJSON and CSV', async () => {
    const [ndjson] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export NDJSON' }).click()]);
    const lines = (await readFile((await ndjson.path())!, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 2);
    assert.ok(lines.every((e) => e.type === 'sapi' && e.target_client_id === changed.client_id));
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    assert.equal(csv.suggestedFilename(), 'audit-log.csv');
    assert.equal((await readFile((await csv.path())!, 'utf8')).trim().split('\n').length, 3, 'a header and two rows');
  });

  await t.test('a client\'s detail shows its settings, and its secret only when asked', async () => {
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Clients' }).click();
    await page.getByRole('heading', { name: 'Clients' }).waitFor();
    await page.getByLabel('Name or client id').fill(run);
    const list = page.locator('table.results tbody tr');
    await eventually(async () => ((await list.count()) === 3 ? true : undefined), 10_000, 'the three clients of this run listed');
    await page.getByRole('link', { name: names[2] }).click();
    await page.getByRole('heading', { name: names[2] }).waitFor();
    await page.getByText('before the change').first().waitFor();
    assert.equal(await page.getByTestId('client-secret').count(), 0, 'no secret shown before Reveal');
    assert.ok(!(await page.content()).includes(clients[2].client_secret), 'the secret is not in the page before Reveal');
    await page.getByRole('button', { name: 'Reveal secret' }).click();
    assert.equal(await page.getByTestId('client-secret').textContent(), clients[2].client_secret);
    await screenshot('03-client-secret');
    await page.getByRole('button', { name: 'Hide secret' }).click();
    assert.equal(await page.getByTestId('client-secret').count(), 0);
    // The reveal is an audited secrets read.
    await eventually(async () => {
      const res = await call('GET', `/logs?include_totals=true&q=${encodeURIComponent(`type:mgmt_api_read AND target_client_id:"${clients[2].client_id}"`)}`);
      return res.total >= 1 ? true : undefined;
    }, 30_000, 'the mgmt_api_read entry of the reveal');
  });

  await t.test('a log stream shows its health and pauses and resumes', async () => {
    await page.getByRole('link', { name: 'Log streams' }).click();
    await page.getByRole('heading', { name: 'Log streams' }).waitFor();
    const row = page.locator(`tr[data-stream-id="${stream.id}"]`);
    await row.getByText('active', { exact: true }).waitFor();
    // Lag is a number once Kafka answers, and deliveries happen to the local receiver.
    await eventually(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      const cells = await row.locator('td').allTextContents();
      return /^\d+$/.test(cells[2] ?? '') && cells[3] !== 'never' ? cells : undefined;
    }, 60_000, 'a numeric lag and a last delivery');
    const cells = await row.locator('td').allTextContents();
    assert.equal(cells[5], '0', 'no dead letters');
    assert.equal(cells[4], 'none', 'no last error');
    await row.getByRole('button', { name: /^Pause/ }).click();
    await row.getByText('paused', { exact: true }).waitFor();
    await page.getByRole('status').filter({ hasText: 'paused' }).waitFor();
    assert.equal((await call('GET', `/log-streams/${stream.id}`)).status, 'paused');
    await screenshot('04-log-stream-paused');
    await row.getByRole('button', { name: /^Resume/ }).click();
    await row.getByText('active', { exact: true }).waitFor();
    assert.equal((await call('GET', `/log-streams/${stream.id}`)).status, 'active');
  });

  await t.test('a 401 while signed in leads back to sign-in with the API\'s message', async () => {
    // A token the API no longer accepts, as after expiry or a key rotation.
    await page.evaluate(`(() => {
      const key = 'apptrail.console.session';
      const s = JSON.parse(sessionStorage.getItem(key));
      sessionStorage.setItem(key, JSON.stringify({ ...s, token: s.token.slice(0, -4) + 'AAAA' }));
    })()`);
    await page.goto(`${app.origin}/console/clients`);
    await page.getByRole('heading', { name: 'Sign in to the apptrail console' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'You were signed out' }).waitFor();
    assert.equal(await page.evaluate<number>('sessionStorage.length'), 0, 'the dead session is dropped');
  });

  await t.test('keyboard only: sign in, search, open an entry', async () => {
    await page.goto(`${app.origin}/console/`);
    await page.getByRole('heading', { name: 'Sign in to the apptrail console' }).waitFor();
    const press = async (key: string, times = 1) => {
      for (let i = 0; i < times; i++) await page.keyboard.press(key);
    };
    const focused = () => page.evaluate<{ id: string; text: string; outline: string }>(`(() => {
      const el = document.activeElement;
      return { id: el?.id ?? '', text: el?.textContent?.trim() ?? '', outline: el ? getComputedStyle(el).outlineStyle : '' };
    })()`);
    await press('Tab');
    assert.equal((await focused()).id, 'token', 'Tab from the page heading reaches the token field');
    await page.keyboard.insertText(token);
    await press('Tab', 2);
    const submit = await focused();
    assert.equal(submit.text, 'Sign in');
    assert.notEqual(submit.outline, 'none', 'focus is visible');
    await press('Enter');
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    await press('Tab');
    assert.equal((await focused()).id, 'q', 'Tab from the page heading reaches the search box');
    await page.keyboard.insertText(`target_client_name:"${names[0]}"`);
    await press('Enter');
    await page.locator('#result-count', { hasText: /^1 entry matches/ }).waitFor();
    // On to the entry's Details button, by Tab alone.
    for (let i = 0; i < 40 && !(await focused()).text.startsWith('Details'); i++) await press('Tab');
    assert.match((await focused()).text, /^Details/);
    await press('Enter');
    await page.getByRole('table', { name: 'Field changes, before and after' }).getByText('Console Alpha', { exact: false }).first().waitFor();
    await assertFitsWidth(page, 'an open create entry');
    await screenshot('05-keyboard-entry');
    await assertTokenNotLeaked(page, token);
  });

  // The refusals provoked above (401, 400) are logged by the browser as failed loads; nothing else may be.
  assert.deepEqual(problems.filter((p) => !/^Failed to load resource: the server responded with a status of 40[01]\b/.test(p)), [], 'no console errors (a CSP violation would show here)');
});
