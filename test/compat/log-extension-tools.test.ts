// auth0-log-extension-tools (1.3.10, pinned): the checkpoint reader behind Auth0's "export logs
// to Splunk / Sumo / …" extensions, run unchanged against apptrail's /api/v2/logs over HTTPS. It
// keeps its position in the last entry's `_id`; without `_id` it re-read page 0 until its time
// ran out (30 reads, 5 distinct entries).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startLogsTenant, suiteContext, type LogsTenant } from './logs-fixture.js';
import type { RunOutput, Stored } from './log-extension-run.js';

const RUNNER = fileURLToPath(new URL('./log-extension-run.ts', import.meta.url));

describe('auth0-log-extension-tools reads apptrail logs by checkpoint', () => {
  const suite = suiteContext();
  let tenant: LogsTenant;
  let stored: Stored;
  let requests: string[];

  before(async () => {
    tenant = await startLogsTenant(suite.t);
    await tenant.act(5, 'ext-logs');
    // Its own token cache (the storage's logs_access_token) holds a valid token, so it never
    // asks /oauth/token for one: that endpoint is not what this test is about.
    stored = { logs_access_token: { token: await tenant.token('read:logs'), expiresAt: Date.now() + 3_600_000 } };
  });
  after(() => suite.cleanup());

  async function runOnce(): Promise<Pick<RunOutput, 'seen' | 'result'>> {
    const out = await new Promise<RunOutput>((resolve, reject) => {
      const child = execFile(process.execPath, ['--import', 'tsx', RUNNER], { env: { ...process.env, NODE_EXTRA_CA_CERTS: tenant.caFile }, timeout: 60_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as RunOutput);
      });
      child.stdin?.end(JSON.stringify({ domain: tenant.domain, stored }));
    });
    assert.equal(out.result.status.error, undefined, `the run failed: ${String(out.result.status.error)}`);
    stored = out.stored;
    requests = out.requests;
    return out;
  }

  it('sees every entry exactly once and stores the last one as its checkpoint', async () => {
    const { seen, result } = await runOnce();
    const ids = seen.map((l) => String(l._id));
    assert.equal(ids.length, 8, '5 creates, 1 update, 1 refusal, and the first signing key pair the API made at start');
    assert.equal(new Set(ids).size, 8);
    assert.deepEqual(ids, seen.map((l) => String(l.log_id)), '_id is log_id');
    assert.equal(result.checkpoint, ids.at(-1));
    assert.equal(stored.checkpointId, ids.at(-1));
    assert.equal(result.status.logsProcessed, 8);
    // One search page, then checkpoints forward until an empty page: nothing read twice.
    assert.equal(requests[0], 'Requesting logs from page 0');
    assert.ok(requests.slice(1).every((r) => r.startsWith('Requesting logs from checkpoint ')), requests.join('\n'));
    assert.ok(requests.length <= 4, `${requests.length} reads for 8 entries in batches of 3`);
  });

  it('resumes from its checkpoint: nothing again, then only what came after', async () => {
    const before = stored.checkpointId;
    assert.ok(before);
    const idle = await runOnce();
    assert.deepEqual(idle.seen, []);
    assert.equal(stored.checkpointId, before, 'the checkpoint stays where it was');

    await tenant.act(2, 'ext-logs-later');
    const next = await runOnce();
    const ids = next.seen.map((l) => String(l._id));
    assert.equal(ids.length, 4, '2 creates, 1 update, 1 refusal');
    assert.ok(ids.every((id) => id > before), 'only entries after the checkpoint');
    assert.equal(stored.checkpointId, ids.at(-1));
  });
});
