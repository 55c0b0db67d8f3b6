import { after, before } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClickHouse, migrate, type ClickHouseHandle } from '../../shared/clickhouse/index.js';
import { migrations } from '../../shared/migrations/index.js';

/**
 * An embedded ClickHouse (chDB) with apptrail's schema for the enclosing describe block, in a
 * folder of its own that is removed afterwards. Read `ch` inside tests, not at definition time.
 */
export function useEmbeddedClickHouse(name: string): { readonly ch: ClickHouseHandle } {
  let dir: string | undefined;
  let handle: ClickHouseHandle | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), `apptrail-${name}-`));
    handle = await createClickHouse({ database: 'apptrail', dataPath: dir });
    await migrate(handle, migrations);
  });
  after(async () => {
    await handle?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return {
    get ch() {
      if (!handle) throw new Error('useEmbeddedClickHouse: ClickHouse is open only inside the describe block\'s tests');
      return handle;
    },
  };
}
