import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../shared/log/index.js';

test('the logger redacts secret fields by path wherever we log them', () => {
  const lines: string[] = [];
  const log = createLogger({ level: 'info', destination: { write: (l: string) => void lines.push(l) } });
  log.info({ client_secret: 'S1', body: { client_secret: 'S2', name: 'ok' }, req: { headers: { authorization: 'Bearer T1' } }, sink: { splunkToken: 'T2' } }, 'msg');
  log.info({ stream: { sink: { datadogApiKey: 'T3', httpAuthorization: 'T4' } } }, 'nested sink');
  const out = lines.join('\n');
  for (const secret of ['S1', 'S2', 'T1', 'T2', 'T3', 'T4']) assert.ok(!out.includes(`"${secret}"`), `${secret} leaked: ${out}`);
  assert.match(out, /"name":"ok"/, 'other fields stay');
  assert.match(out, /\[REDACTED\]/);
});
