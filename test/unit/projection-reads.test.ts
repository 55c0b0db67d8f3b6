import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { catchUpOrFlagStale, STALE_HEADER } from '../../services/api/projection-reads.js';
import { ProjectionTimeoutError } from '../../shared/kafka/index.js';
import { Auth0Error } from '../../shared/errors/auth0-error.js';

function reply() {
  const headers: Record<string, string> = {};
  return { headers, header: (k: string, v: string) => void (headers[k] = v) };
}
const timingOut = (complete: boolean) => ({
  catchUp: async () => {
    throw new ProjectionTimeoutError('no answer');
  },
  staleSeconds: () => 7,
  hasBeenComplete: () => complete,
});

describe('reads from a projection that cannot confirm it is current', () => {
  it('answer from the projection, flagged stale, once it has held the whole topic', async () => {
    const r = reply();
    await catchUpOrFlagStale(timingOut(true), r as never, 1);
    assert.equal(r.headers[STALE_HEADER], '7');
  });

  it('answer 503 with Retry-After while it is still loading at start-up (a partial state is not an old one)', async () => {
    const r = reply();
    await assert.rejects(catchUpOrFlagStale(timingOut(false), r as never, 1), (err: unknown) => {
      assert.ok(err instanceof Auth0Error);
      assert.equal(err.statusCode, 503);
      assert.ok((err.retryAfterSeconds ?? 0) > 0);
      return true;
    });
    assert.equal(r.headers[STALE_HEADER], undefined);
  });
});
