import { columnOf } from '../fields.js';
import { AUDIT_TABLE } from '../table.js';
import { compileLogQuery } from './compile.js';
import { LogQueryError, quote } from './errors.js';
import { parseLogQuery } from './parser.js';

/**
 * GET /api/v2/logs/histogram (an apptrail addition, for the console): how many entries matching
 * `q` fall in each interval, by type. Two bound-parameter queries: the span of the matches, then
 * the counts per bucket, so an interval too fine for the span is refused before any grouping.
 */
export const HISTOGRAM_INTERVALS = { minute: 60_000, hour: 3_600_000, day: 86_400_000, week: 604_800_000 } as const;
export type HistogramInterval = keyof typeof HISTOGRAM_INTERVALS;
/** What `auto` aims at: enough bars to see a shape, few enough to draw on a laptop screen. */
export const AUTO_MAX_BUCKETS = 200;
/** The most buckets an explicit interval may make over the span of the matches. */
export const MAX_BUCKETS = 2000;

const FINAL_SETTINGS = 'SETTINGS do_not_merge_across_partitions_select_final = 1';

/** First and last date (epoch ms) and count of the entries `q` matches. */
export function buildLogsSpan(q: string | undefined): { query: string; params: Record<string, unknown> } {
  const { where, params } = compileLogQuery(parseLogQuery(q ?? ''));
  const date = columnOf('date');
  return {
    query: `SELECT toUnixTimestamp64Milli(min(${date})) AS first_ms, toUnixTimestamp64Milli(max(${date})) AS last_ms, count() AS total FROM ${AUDIT_TABLE} FINAL WHERE ${where} ${FINAL_SETTINGS}`,
    params,
  };
}

function bucketCount(firstMs: number, lastMs: number, stepMs: number): number {
  return Math.floor(lastMs / stepMs) - Math.floor(firstMs / stepMs) + 1;
}

/** The interval for a span: the finest one with at most AUTO_MAX_BUCKETS buckets, or the coarsest. */
export function chooseInterval(firstMs: number, lastMs: number): HistogramInterval {
  const names = Object.keys(HISTOGRAM_INTERVALS) as HistogramInterval[];
  return names.find((n) => bucketCount(firstMs, lastMs, HISTOGRAM_INTERVALS[n]) <= AUTO_MAX_BUCKETS) ?? names.at(-1)!;
}

/** Refuses (400) an explicit interval that would cut the span into more than MAX_BUCKETS buckets. */
export function checkInterval(interval: HistogramInterval, firstMs: number, lastMs: number): void {
  const n = bucketCount(firstMs, lastMs, HISTOGRAM_INTERVALS[interval]);
  if (n > MAX_BUCKETS) {
    throw new LogQueryError(`interval ${quote(interval)} makes ${n} buckets over the matching entries; at most ${MAX_BUCKETS}: choose a longer interval or narrow q`);
  }
}

/** Counts per (bucket start, type), buckets aligned on multiples of the interval since the epoch (UTC). */
export function buildLogsHistogram(q: string | undefined, interval: HistogramInterval): { query: string; params: Record<string, unknown> } {
  const { where, params } = compileLogQuery(parseLogQuery(q ?? ''));
  return {
    query:
      `SELECT intDiv(toUnixTimestamp64Milli(${columnOf('date')}), {hist_step:UInt64}) * {hist_step:UInt64} AS bucket_ms, ${columnOf('type')} AS type, count() AS count ` +
      `FROM ${AUDIT_TABLE} FINAL WHERE ${where} GROUP BY bucket_ms, type ORDER BY bucket_ms, type ${FINAL_SETTINGS}`,
    params: { ...params, hist_step: HISTOGRAM_INTERVALS[interval] },
  };
}

export interface HistogramBucket {
  date: string;
  total: number;
  counts: Record<string, number>;
}

/** The grouped rows as the API answers them: one bucket per non-empty interval, in time order. */
export function toHistogramBuckets(rows: Array<{ bucket_ms: unknown; type: unknown; count: unknown }>): HistogramBucket[] {
  const buckets = new Map<number, HistogramBucket>();
  for (const row of rows) {
    const ms = Number(row.bucket_ms);
    const n = Number(row.count);
    let b = buckets.get(ms);
    if (!b) buckets.set(ms, (b = { date: new Date(ms).toISOString(), total: 0, counts: {} }));
    b.counts[String(row.type)] = (b.counts[String(row.type)] ?? 0) + n;
    b.total += n;
  }
  return [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([, b]) => b);
}
