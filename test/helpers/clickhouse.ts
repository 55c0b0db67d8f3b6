import { after, before } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, type ClickHouseHandle } from '../../shared/clickhouse/index.js';
import { migrations } from '../../shared/migrations/index.js';
import { openTestClickHouse, type TestClickHouse } from './clickhouse-target.js';

/**
 * ClickHouse with apptrail's schema for the enclosing describe block: chDB in a folder of its own
 * that is removed afterwards, or a database of its own on the harness's server, dropped afterwards
 * (see clickhouse-target.ts). Read `ch` inside tests, not at definition time.
 */
export function useClickHouse(name: string): { readonly ch: ClickHouseHandle } {
  let dir: string | undefined;
  let handle: TestClickHouse | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), `apptrail-${name}-`));
    handle = await openTestClickHouse(name, dir);
    await migrate(handle, migrations);
  });
  after(async () => {
    await handle?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return {
    get ch() {
      if (!handle) throw new Error('useClickHouse: ClickHouse is open only inside the describe block\'s tests');
      return handle;
    },
  };
}
