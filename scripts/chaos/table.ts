// The figures of a chaos run as a small text table, one column per scenario.
import { WRITE_KINDS } from './load.js';
import { statuses, type ScenarioResult } from './scenarios.js';

const seconds = (ms: number | undefined) => (ms === undefined ? 'never' : `${(ms / 1000).toFixed(1)}s`);

export function figuresTable(results: readonly ScenarioResult[]): string {
  const rows: [string, (r: ScenarioResult) => string][] = [
    ['fault', (r) => r.fault],
    ['accepted (2xx)', (r) => `${r.figures.accepted} (${WRITE_KINDS.map((k) => `${r.figures.acceptedByKind[k]} ${k}`).join(', ')})`],
    ['present in state (GET)', (r) => String(r.figures.accepted - r.figures.stateMissing.length)],
    ['present in ClickHouse', (r) => String(r.figures.clickhouse.present)],
    ['present at the receiver', (r) => String(r.figures.receiver.present)],
    ['missing (state/CH/receiver)', (r) => `${r.figures.stateMissing.length}/${r.figures.clickhouse.missing.length}/${r.figures.receiver.missing.length}`],
    ['duplicated in ClickHouse', (r) => String(r.figures.clickhouse.duplicated.length)],
    ['receiver: duplicated entries', (r) => String(r.figures.receiver.duplicated.length)],
    ['receiver: duplicate deliveries', (r) => String(r.figures.receiver.duplicateDeliveries)],
    ['dead-lettered', (r) => String(r.deadLetters ?? 'unknown')],
    ['writes during the fault', (r) => statuses(r.outcomes.filter((o) => o.phase === 'fault' && o.kind !== 'read'))],
    ['reads during the fault', (r) => statuses(r.outcomes.filter((o) => o.phase === 'fault' && o.kind === 'read'))],
    ['/readyz during the fault', (r) => statuses(r.readiness.map((status) => ({ status })))],
    ['fault lasted', (r) => seconds(r.faultMs)],
    ['recovery after the fault', (r) => seconds(r.recoveryMs)],
    ['audit trail flowing again', (r) => seconds(r.trailMs)],
    ['verdict', (r) => (r.violations.length === 0 ? 'ok' : `FAIL (${r.violations.length})`)],
  ];
  const cells = rows.map(([label, cell]) => [label, ...results.map(cell)]);
  const header = ['', ...results.map((r) => r.name)];
  const widths = header.map((_, i) => Math.max(...[header, ...cells].map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) => row.map((c, i) => c.padEnd(widths[i]!)).join(' │ ').trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('─┼─'), ...cells.map(line), '', ...LEGEND].join('\n');
}

const LEGEND = [
  'An action is found by its own user agent: in ClickHouse through GET /api/v2/logs (which reads FINAL), at the receiver among what it kept.',
  'duplicated: an action with more than one entry (distinct log_ids), or a log_id listed twice; duplicate deliveries: a log_id the receiver kept again (at-least-once).',
  'fault lasted: crash, from the kill until the new process was ready; broker, down time plus its restart; sink, 503s then refused connections.',
  'recovery: from the end of the fault until a write was acknowledged again (sink: until the receiver had every entry acknowledged before then).',
  'audit trail flowing again: from the end of the fault until the first write acknowledged after it was queryable in ClickHouse.',
];
