/**
 * Offline check of an audit export with only the public key:
 *   npm run verify -- export.ndjson [--public-key key.json|key.pem] [--checkpoints checkpoints.json] [--from-start]
 * The export: NDJSON from GET /api/v2/logs/export (or entries as audit.log / log streams carry
 * them). Checkpoints: the JSON array GET /api/v2/logs/checkpoints answers, or NDJSON of them.
 * --from-start: the export is the whole trail, so every chain must begin at seq 0.
 * Prints a JSON report; exits 0 when intact, 1 on a break, 2 when the input cannot be read.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { publicKeyFromText } from '../shared/audit/checkpoint.js';
import { verifyExport } from '../shared/audit/verify-export.js';

function usage(message: string): never {
  console.error(`${message}\nusage: npm run verify -- <export.ndjson|-> [--public-key <file>] [--checkpoints <file>] [--from-start]`);
  process.exit(2);
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'public-key': { type: 'string' }, checkpoints: { type: 'string' }, 'from-start': { type: 'boolean', default: false } },
});
const file = positionals[0];
if (!file || positionals.length > 1) usage('one export file is needed');
if (values.checkpoints && !values['public-key']) usage('--checkpoints needs --public-key: an unverified signature proves nothing');

let publicKey;
let checkpoints: unknown[] | undefined;
try {
  if (values['public-key']) publicKey = publicKeyFromText(await readFile(values['public-key'], 'utf8'));
  if (values.checkpoints) {
    const text = (await readFile(values.checkpoints, 'utf8')).trim();
    checkpoints = text.startsWith('[') ? (JSON.parse(text) as unknown[]) : text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown);
  }
} catch (err) {
  usage(`cannot read the key or checkpoints: ${(err as Error).message}`);
}

const input = file === '-' ? process.stdin : createReadStream(file, 'utf8');
input.on('error', (err: Error) => usage(`cannot read ${file}: ${err.message}`));
const report = await verifyExport(createInterface({ input, crlfDelay: Infinity }), { fromStart: values['from-start'] === true, ...(publicKey ? { publicKey } : {}), ...(checkpoints ? { checkpoints } : {}) });
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
if (report.intact) console.error(`intact: ${report.checked} entries in ${report.chains.length} chains${report.unchained ? ` (${report.unchained} without a chain, not verifiable)` : ''}`);
else console.error(`BROKEN: ${report.first_break ? `${report.first_break.reason} at ${report.first_break.chain} seq ${report.first_break.seq} (log ${report.first_break.log_id || 'n/a'})` : report.bad_lines.length ? `line ${report.bad_lines[0]!.line}: ${report.bad_lines[0]!.problem}` : 'a checkpoint signature does not hold'}`);
process.exit(report.intact ? 0 : 1);
