// The API's per-request logging: one access line per request, the request logger made only when
// a line is written, and lines written through it still carry the request id and redaction.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildApp } from '../../services/api/app.js';
import { createLogger, type Logger } from '../../shared/log/index.js';

async function appWithLog(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({ level, destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
  // Counts child loggers made from this logger or any of its descendants (pino children inherit
  // from their parent, so the counting method is theirs too).
  let children = 0;
  const child = log.child;
  (log as { child: Logger['child'] }).child = function (this: Logger, ...args: Parameters<Logger['child']>) {
    children++;
    return child.apply(this, args);
  } as Logger['child'];
  const app = await buildApp({
    log,
    readiness: {},
    features: [
      async (a) => {
        a.get('/quiet', async () => ({ ok: true }));
        a.get('/talks', async (req) => {
          req.log.debug('below the level');
          req.log.warn({ authorization: 'Bearer secret-token' }, 'something to say');
          return { ok: true };
        });
      },
    ],
  });
  return { app, lines, children: () => children };
}

describe('per-request logging', () => {
  it('at warn, a request that writes no line makes no request logger', async () => {
    const { app, lines, children } = await appWithLog('warn');
    const before = children();
    for (let i = 0; i < 3; i++) assert.equal((await app.inject({ method: 'GET', url: '/quiet' })).statusCode, 200);
    assert.equal(children() - before, 0);
    assert.deepEqual(lines, []);
    await app.close();
  });

  it('at info, one access line per request with the request id, method, url, status and time', async () => {
    const { app, lines } = await appWithLog('info');
    const res = await app.inject({ method: 'GET', url: '/quiet?x=1', headers: { 'x-request-id': 'req-1', authorization: 'Bearer secret-token' } });
    assert.equal(res.statusCode, 200);
    const access = lines.filter((l) => l.reqId === 'req-1');
    assert.equal(access.length, 1, JSON.stringify(lines));
    const line = access[0]!;
    assert.equal(line.msg, 'request completed');
    assert.deepEqual([(line.req as { method: string }).method, (line.req as { url: string }).url, (line.res as { statusCode: number }).statusCode], ['GET', '/quiet?x=1', 200]);
    assert.equal(typeof line.responseTime, 'number');
    // The request as Fastify's serializer gives it, never the raw one with its headers.
    assert.ok(!JSON.stringify(lines).includes('secret-token'));
    await app.close();
  });

  it('a line written by a handler carries the request id, is redacted, and lines below the level are dropped', async () => {
    const { app, lines } = await appWithLog('warn');
    await app.inject({ method: 'GET', url: '/talks', headers: { 'x-request-id': 'req-2' } });
    assert.deepEqual(
      lines.map((l) => [l.reqId, l.msg, l.authorization]),
      [['req-2', 'something to say', '[REDACTED]']],
    );
    await app.close();
  });
});
