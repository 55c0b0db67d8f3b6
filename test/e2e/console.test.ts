// The web console in a real browser (Debian's chromium through playwright-core) against the whole
// system as `npm start` runs it: sign-in, the audit explorer (q, a filter, an entry's diff, the
// histogram, export), a client's detail and its secret on demand, a log stream's health with
// pause/resume, a keyboard-only path, a 401 that leads back to sign-in, sign-in with a client id and
// secret (/oauth/token), the live tail with a q, and a client's history with an as-of view. Screenshots go to
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

test('the console: sign-in, audit explorer, clients, log streams, keyboard only, 401, client credentials, live tail, history', { timeout: 360_000 }, async (t) => {
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
    // The sign-in methods come first (a radio group: one Tab stop), then the chosen method's form.
    await press('Tab');
    assert.equal((await focused()).id, 'method-token', 'Tab from the page heading reaches the chosen sign-in method');
    await press('Tab');
    assert.equal((await focused()).id, 'token', 'the next Tab reaches the token field');
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

  let config: Json;
  let m2m: Json;
  await t.test('sign-in with a client id and secret: a wrong secret shows the OAuth error; the secret is not kept', async () => {
    config = (await (await fetch(`${app.origin}/console/config.json`)).json()) as Json;
    m2m = await call('POST', '/clients', { name: `Console M2M ${run}`, app_type: 'non_interactive', grant_types: ['client_credentials'] });
    await call('POST', '/client-grants', { client_id: m2m.client_id, audience: config.management_api.audience, scope: ['read:logs', 'read:clients'] });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to the apptrail console' }).waitFor();
    await page.getByRole('radio', { name: 'Client id and secret' }).check();
    await page.getByLabel('Client id', { exact: true }).fill(m2m.client_id);
    await page.getByLabel('Client secret', { exact: true }).fill(`${m2m.client_secret}x`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // /oauth/token's refusal: its error and error_description.
    const refused = page.getByRole('alert').filter({ hasText: '401' });
    await refused.locator('code.errcode').filter({ hasText: 'invalid_client' }).waitFor();
    assert.match(await refused.textContent() ?? '', /client authentication failed|wrong|invalid|unknown/i, 'the error_description is shown');
    assert.equal(await page.getByLabel('Client secret', { exact: true }).inputValue(), '', 'the secret field is emptied after a try');
    await screenshot('06-client-credentials-refused');

    await page.getByLabel('Client secret', { exact: true }).fill(m2m.client_secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    await page.locator('header .who', { hasText: m2m.client_id }).waitFor();
    const stored = await page.evaluate<string>('JSON.stringify([Object.entries(sessionStorage), Object.entries(localStorage), location.href, document.documentElement.outerHTML])');
    assert.ok(!stored.includes(m2m.client_secret), 'the secret is nowhere in storage, the URL or the page after sign-in');
    assert.equal(await page.evaluate<number>('localStorage.length'), 0);
    const session = JSON.parse(await page.evaluate<string>("sessionStorage.getItem('apptrail.console.session')")) as Json;
    assert.equal(session.method, 'client_credentials');
    assert.deepEqual([...session.scopes].sort(), ['read:clients', 'read:logs'], 'the token carries the grant\'s scopes');
    // The token works for the Management API: the explorer lists this run's entries.
    await page.getByLabel('Search', { exact: true }).fill(`target_client_name:"${names[1]}"`);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.locator('#result-count', { hasText: '2 entries match' }).waitFor();
  });

  await t.test('the live tail shows entries written after it opened that match q, and stops when toggled off', async () => {
    await page.getByLabel('Search', { exact: true }).fill(`target_client_name:"Live ${run} match"`);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByTestId('effective-q').filter({ hasText: `Live ${run} match` }).waitFor();
    await page.getByRole('button', { name: 'Live' }).click();
    assert.equal(await page.getByRole('button', { name: 'Live' }).getAttribute('aria-pressed'), 'true');
    await page.getByTestId('live-state').filter({ hasText: 'Live: connected' }).waitFor();
    // One that q leaves out, then one it matches: the live list must show the second only.
    await call('POST', '/clients', { name: `Live ${run} other`, app_type: 'spa' });
    await call('POST', '/clients', { name: `Live ${run} match`, app_type: 'spa' });
    const liveRows = page.getByTestId('live-entries').locator('tbody > tr:not(.detail)');
    await liveRows.filter({ hasText: `Live ${run} match` }).waitFor({ timeout: 30_000 });
    // The other entry is committed by now too (it was written first); give the stream a moment to (wrongly) deliver it.
    await eventually(async () => {
      const res = await call('GET', `/logs?include_totals=true&q=${encodeURIComponent(`target_client_name:"Live ${run} other"`)}`);
      return res.total >= 1 ? true : undefined;
    }, 30_000, 'the non-matching entry in the audit log');
    await page.waitForTimeout(1_000);
    assert.equal(await liveRows.count(), 1, 'exactly the matching entry is shown live');
    assert.ok(!(await page.getByTestId('live-entries').textContent())?.includes('other'), 'q leaves the other entry out');
    assert.equal(await page.getByTestId('live-state').getAttribute('aria-live'), 'polite');
    await screenshot('07-live-tail');
    await page.getByRole('button', { name: 'Live' }).click();
    await page.getByTestId('live-state').filter({ hasText: 'Live tail off' }).waitFor();
    assert.equal(await page.getByTestId('live-entries').count(), 0, 'the live list goes away when toggled off');
  });

  await t.test('a client\'s history lists its versions after create, patch and rotate, and shows it as of an old version', async () => {
    // Back to the all-scopes token: history and rotate need more than the M2M grant above.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Access token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    const created = await call('POST', '/clients', { name: `History ${run} first`, app_type: 'spa' });
    await call('PATCH', `/clients/${created.client_id}`, { name: `History ${run} second` });
    const rotated = await call('POST', `/clients/${created.client_id}/rotate-secret`);
    // The history may trail the API by a moment: reopen the tab until all three versions are listed.
    await eventually(async () => {
      await page.goto(`${app.origin}/console/clients/${created.client_id}`);
      await page.getByRole('heading', { name: `History ${run} second` }).waitFor();
      await page.getByRole('tab', { name: 'History' }).click();
      const count = await page.locator('#versions-count').filter({ hasText: /versions?\./ }).textContent();
      return count?.startsWith('3 versions') ? true : undefined;
    }, 30_000, 'three versions listed');
    const versions = page.locator('ol.versions > li');
    assert.equal(await versions.count(), 3);
    const v2 = page.getByRole('table', { name: 'Version 2: field changes, before and after' });
    assert.match(await v2.getByRole('row', { name: /name/ }).textContent() ?? '', new RegExp(`History ${run} first.*History ${run} second`));
    const v3 = page.getByRole('table', { name: 'Version 3: field changes, before and after' });
    assert.match(await v3.getByRole('row', { name: /client_secret/ }).textContent() ?? '', /REDACTED.*REDACTED/);
    assert.ok(await page.locator('ol.versions').textContent().then((t) => t?.includes('client.secret_rotated')));
    const html = await page.content();
    assert.ok(!html.includes(created.client_secret) && !html.includes(rotated.client_secret), 'no secret in clear in the history');

    await page.getByRole('button', { name: 'View as of version 1' }).click();
    const asOf = page.getByLabel('Settings as of version 1');
    await asOf.getByText(`History ${run} first`, { exact: true }).waitFor();
    assert.ok(!(await asOf.textContent())?.includes('second'), 'the as-of view shows the old name');
    await assertFitsWidth(page, 'a client\'s history');
    await screenshot('08-client-history');

    // A deleted client: no current state, its history still reachable at the same address.
    await call('DELETE', `/clients/${created.client_id}`);
    await eventually(async () => {
      await page.goto(`${app.origin}/console/clients/${created.client_id}`);
      await page.getByRole('status').filter({ hasText: 'does not exist now' }).waitFor();
      assert.equal(await page.getByRole('tab', { name: 'History' }).getAttribute('aria-selected'), 'true', 'a deleted client opens on its history');
      const count = await page.locator('#versions-count').filter({ hasText: /versions?\./ }).textContent();
      return count?.startsWith('4 versions') ? true : undefined;
    }, 30_000, 'the deleted client\'s four versions');
    await page.locator('ol.versions > li[data-version="4"]').getByText('client.deleted').waitFor();
    assert.equal(await page.getByRole('button', { name: 'View as of version 4' }).count(), 0, 'no as-of view of the deletion');
    await screenshot('09-deleted-client-history');
  });

  await t.test('APIs, client grants and signing keys are listed read-only', async () => {
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'APIs and keys' }).click();
    await page.getByRole('heading', { name: 'APIs, grants and keys' }).waitFor();
    const apis = page.getByTestId('list-apis');
    const system = apis.locator('tbody tr').first();
    await system.getByText(config.management_api.audience, { exact: true }).waitFor();
    await system.getByText('system', { exact: true }).waitFor();
    await page.getByTestId('list-client-grants').locator('tbody tr', { hasText: m2m.client_id }).getByText('read:logs', { exact: true }).waitFor();
    const keys = page.getByTestId('list-signing-keys').locator('tbody tr');
    await keys.first().waitFor();
    const states = await keys.locator('.badge').allTextContents();
    assert.equal(states.filter((x) => x === 'current').length, 1, `one current key (${states.join(', ')})`);
    assert.ok(states.includes('next'), 'the next key is listed');
    assert.ok(!(await page.content()).includes('PRIVATE KEY'), 'no private key on the page');
    await assertFitsWidth(page, 'the tenant page');
    await screenshot('10-tenant');
  });

  await t.test('the session ends when the token expires, with a message saying so', async () => {
    // The token's expiry as the session recorded it, brought forward: the console must not wait for a 401.
    await page.evaluate(`(() => {
      const key = 'apptrail.console.session';
      const s = JSON.parse(sessionStorage.getItem(key));
      sessionStorage.setItem(key, JSON.stringify({ ...s, expiresAt: Date.now() + 1500 }));
    })()`);
    await page.goto(`${app.origin}/console/logs`);
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    await page.getByRole('heading', { name: 'Sign in to the apptrail console' }).waitFor({ timeout: 10_000 });
    await page.getByRole('status').filter({ hasText: 'expired' }).waitFor();
    assert.equal(await page.evaluate<number>('sessionStorage.length'), 0, 'the expired session is dropped');
  });

  // The refusals provoked above (401, 400, and the deleted client's 404) are logged by the browser as failed loads; nothing else may be.
  assert.deepEqual(problems.filter((p) => !/^Failed to load resource: the server responded with a status of 40[014]\b/.test(p)), [], 'no console errors (a CSP violation would show here)');
});
