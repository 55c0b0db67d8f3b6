import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A key generated once into the data folder (mode 0600) for the embedded default, so a developer
 * gets working encryption and token signing without configuring anything. Real deployments pass
 * the key through configuration instead.
 */
export async function loadOrCreateLocalKey(dataDir: string, name: string, bytes = 32): Promise<Buffer> {
  const dir = join(dataDir, 'keys');
  const file = join(dir, `${name}.key`);
  try {
    return Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const key = randomBytes(bytes);
  // 'wx' fails if another process created it meanwhile; then we read theirs.
  await writeFile(file, key.toString('base64'), { mode: 0o600, flag: 'wx' }).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  return Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
}
