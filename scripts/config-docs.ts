// Rewrites the configuration table in README.md from the config schema.
import { readFile, writeFile } from 'node:fs/promises';
import { CONFIG_TABLE_BEGIN, CONFIG_TABLE_END, renderConfigTable } from '../shared/config/index.js';

const readme = await readFile('README.md', 'utf8');
const start = readme.indexOf(CONFIG_TABLE_BEGIN);
const end = readme.indexOf(CONFIG_TABLE_END);
if (start < 0 || end < start) throw new Error(`README.md lacks the ${CONFIG_TABLE_BEGIN} … ${CONFIG_TABLE_END} markers`);
const next = `${readme.slice(0, start + CONFIG_TABLE_BEGIN.length)}\n${renderConfigTable()}\n${readme.slice(end)}`;
await writeFile('README.md', next);
console.log('README.md configuration table updated');
