import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { classifyStatus, defaultRetryPolicy, nextDelay, parseRetryAfter, splunkSink } from '../../shared/sinks/index.js';

describe('response classification', () => {
  it('accepts every 2xx', () => {
    for (const status of [200, 202, 204]) assert.deepEqual(classifyStatus(status, ''), { kind: 'ok', status });
  });

  it('retries 408, 429 and 5xx except 501', () => {
    for (const status of [408, 429, 500, 502, 503, 504, 599]) assert.equal(classifyStatus(status, 'busy').kind, 'retry', String(status));
    assert.equal(classifyStatus(501, '').kind, 'reject');
  });

  it('rejects other statuses, telling a bad batch from a bad sink', () => {
    const scope = (status: number) => {
      const outcome = classifyStatus(status, 'nope');
      assert.equal(outcome.kind, 'reject', String(status));
      return outcome.kind === 'reject' ? outcome.scope : undefined;
    };
    for (const status of [400, 413, 415, 422]) assert.equal(scope(status), 'batch', String(status));
    for (const status of [301, 302, 307, 401, 403, 404, 410, 501]) assert.equal(scope(status), 'sink', String(status));
  });

  it('keeps the response body, bounded', () => {
    const outcome = classifyStatus(400, 'x'.repeat(10_000));
    assert.ok(outcome.kind === 'reject' && outcome.responseBody.length === 4096);
  });

  it('carries Retry-After on retries', () => {
    assert.deepEqual(classifyStatus(429, '', '7'), { kind: 'retry', status: 429, retryAfterMs: 7000, reason: 'HTTP 429' });
    const outcome = classifyStatus(503, '', 'soon');
    assert.ok(outcome.kind === 'retry' && outcome.retryAfterMs === undefined);
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads delta-seconds and HTTP dates', () => {
    assert.equal(parseRetryAfter('0', now), 0);
    assert.equal(parseRetryAfter(' 120 ', now), 120_000);
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now), 0, 'a past date means now');
    assert.equal(parseRetryAfter('-5', now), undefined);
    assert.equal(parseRetryAfter('1.5', now), undefined);
    assert.equal(parseRetryAfter('later', now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
  });
});

describe('splunk responses', () => {
  const classify = (status: number, body: unknown) => splunkSink.classify?.(status, JSON.stringify(body));

  it('rejects a batch Splunk indexed only partly, naming the event', () => {
    const outcome = classify(400, { text: 'Invalid data format', code: 6, 'invalid-event-number': 3 });
    assert.ok(outcome?.kind === 'reject');
    assert.equal(outcome.scope, 'batch');
    assert.match(outcome.reason, /event 3; earlier events in the batch were indexed/);
  });

  it('treats token-setting errors as a sink problem and leaves the rest to the status rules', () => {
    const outcome = classify(400, { text: 'Data channel is missing', code: 10 });
    assert.ok(outcome?.kind === 'reject' && outcome.scope === 'sink');
    assert.equal(classify(400, { text: 'No data', code: 5 }), undefined);
    assert.equal(classify(200, { text: 'Success', code: 0 }), undefined);
    assert.equal(splunkSink.classify?.(400, '<html>'), undefined);
  });
});

describe('nextDelay', () => {
  it('uses Retry-After when present, capped', () => {
    assert.equal(nextDelay(0, { kind: 'retry', retryAfterMs: 2000, reason: '' }), 2000);
    assert.equal(nextDelay(9, { kind: 'retry', retryAfterMs: 0, reason: '' }), 0);
    assert.equal(nextDelay(0, { kind: 'retry', retryAfterMs: 86_400_000, reason: '' }), defaultRetryPolicy.retryAfterCapMs);
  });

  it('otherwise backs off with full jitter inside [min/2, min(max, min·2^attempt)]', () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const ceiling = Math.min(defaultRetryPolicy.maxMs, defaultRetryPolicy.minMs * 2 ** attempt);
      for (let i = 0; i < 50; i++) {
        const delay = nextDelay(attempt, { kind: 'retry', reason: '' });
        assert.ok(delay >= defaultRetryPolicy.minMs / 2 && delay <= ceiling, `attempt ${attempt}: ${delay}`);
      }
    }
  });
});
