import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The pid of another live process that holds the embedded ClickHouse folder, or undefined.
 *
 * chDB locks `<dataPath>/status` (which records the owner's pid) for as long as a process has the
 * folder open; a second process fails with an opaque "Failed to create connection" and a native
 * "Cannot lock file" line on stderr. Reading the pid first lets a CLI say who holds the folder.
 * A status file left by a crashed process names a dead pid and is ignored (chDB takes it over).
 */
export function embeddedFolderOwner(dataPath: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(join(dataPath, 'status'), 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(/^PID:\s*(\d+)/m.exec(text)?.[1]);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}
