/**
 * Builds the web console (services/console) into dist/console when the build is missing or
 * older than its sources: `npm start` and `npm test` run it first, so a fresh clone serves a
 * built console, and an unchanged one costs a hash of a few files (no Vite start).
 *   npm run console:build [-- --force]
 * With --soft (how `npm start` runs it) a failed build is a warning: the API starts anyway and
 * /console/ says the console is not built.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(repoRoot, 'services/console');
export const consoleDist = join(repoRoot, 'dist/console');
// Beside the output, not in it: the static server must not serve it, and Vite empties the folder.
const stampFile = join(repoRoot, 'dist/console.stamp');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

/** A digest of everything the bundle is made from: the sources and the locked toolchain. */
function sourceDigest(): string {
  const hash = createHash('sha256');
  for (const file of [...filesUnder(source), join(repoRoot, 'package-lock.json')].sort()) {
    hash.update(relative(repoRoot, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

export async function buildConsole(opts: { force?: boolean; log?: (line: string) => void } = {}): Promise<{ built: boolean; ms: number }> {
  const started = Date.now();
  const digest = sourceDigest();
  const fresh = existsSync(join(consoleDist, 'index.html')) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === digest;
  if (fresh && !opts.force) return { built: false, ms: Date.now() - started };
  opts.log?.('console: building services/console into dist/console');
  // Loaded only when a build is due: Vite is a devDependency and takes a moment to load.
  const { build } = await import('vite');
  await build({ configFile: join(source, 'vite.config.ts'), logLevel: 'warn' });
  writeFileSync(stampFile, digest);
  return { built: true, ms: Date.now() - started };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const { built, ms } = await buildConsole({ force: process.argv.includes('--force'), log: (l) => console.log(l) });
    console.log(built ? `console: built in ${ms} ms` : 'console: dist/console is up to date');
  } catch (err) {
    const soft = process.argv.includes('--soft');
    console.error(`console: build failed${soft ? ' (starting without it)' : ''}: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(soft ? 0 : 1);
  }
}
