import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readTopic, useKafka } from '../helpers/kafka.js';
import { newDataDir, startTestApi } from '../helpers/api.js';
import { entryFromRequestRecord, parseRequestRecord } from '../../shared/audit/index.js';

test('over its rate limit a caller gets Auth0\'s 429 with Retry-After, and the refused write is audited', async (t) => {
  const k = await useKafka(t);
  const api = await startTestApi(t, k, { dataDir: await newDataDir(t), env: { RATE_LIMIT_PER_SECOND: '3' } });
  const token = await api.token('create:clients');
  // All five at once: sent one after another, on a busy machine they can span two one-second windows.
  const answers = await Promise.all(Array.from({ length: 5 }, (_, i) =>
    api.app.inject({ method: 'POST', url: '/api/v2/clients', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: { name: `r${i}` } })));
  const statuses = answers.map((a) => a.statusCode);
  assert.deepEqual(statuses.filter((s) => s === 201).length, 3, `three go through: ${statuses}`);
  const limited = answers.find((a) => a.statusCode === 429)!;
  assert.deepEqual(JSON.parse(limited.body), {
    statusCode: 429,
    error: 'Too Many Requests',
    message: 'Too many requests. Check the X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset headers.',
    errorCode: 'too_many_requests',
  });
  assert.ok(Number(limited.headers['retry-after']) >= 0, 'Retry-After for SDK retries');
  assert.equal(limited.headers['x-ratelimit-limit'], '3');
  // Another application has its own budget.
  const other = await api.call('POST', '/api/v2/clients', { token: await api.token('create:clients', { azp: 'other-app' }), body: { name: 'other' } });
  assert.equal(other.status, 201);

  const entries = (await readTopic(k, k.names.auditRequests, { atLeast: 2 })).map((m) => {
    const r = parseRequestRecord(m);
    return entryFromRequestRecord(r.id, r.time, r.data, '');
  });
  assert.deepEqual(entries.map((e) => `${e.type} ${e.details.response.statusCode} ${e.description}`), ['fapi 429 Create a client', 'fapi 429 Create a client']);
});
