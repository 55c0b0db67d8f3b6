import { DATETIME64_SQL_TYPE, formatDateTime64 } from '../datetime.js';
import { OUTPUT_FIELDS, columnOf, columnsFor, isOutputField, type OutputField } from '../fields.js';
import { logIdTimeMs } from '../log-id.js';
import { AUDIT_TABLE } from '../table.js';
import { compileLogQuery } from './compile.js';
import { LogQueryError, quote } from './errors.js';
import { parseLogQuery } from './parser.js';

/**
 * The SELECTs behind GET /api/v2/logs and GET /api/v2/logs/{id}. Reads go through FINAL, so a
 * redelivered entry is never seen twice even before ClickHouse has merged its copies.
 *
 * Option values may come straight from a request: each is checked here and refused with a
 * LogQueryError (400) when out of range, whatever the route's own validation does.
 */
export interface LogsSelectOptions {
  q?: string;
  sort?: 'date:1' | 'date:-1';
  page?: number;
  perPage?: number;
  fromLogId?: string;
  take?: number;
  /** Checkpoint mode: leave out entries of the last this many ms (see checkpointSelect); 0 = none. */
  horizonMs?: number;
  fields?: string[];
  includeFields?: boolean;
}

export interface BuiltQuery {
  query: string;
  params: Record<string, unknown>;
  /** The log object fields to present from each row (row.ts fromAuditRow), in answer order. */
  fields: readonly OutputField[];
}

export const DEFAULT_PER_PAGE = 50;
export const MAX_PER_PAGE = 100;
/** Auth0 (search engine v3) lets a search page through its first 1,000 results only. */
export const MAX_SEARCH_RESULTS = 1000;
export const DEFAULT_TAKE = 50;
export const MAX_TAKE = 100;

// Every copy of an entry is in the same partition (its month is a function of log_id), so FINAL
// need not merge across partitions. Inline SETTINGS apply to this query only, also on chDB.
const FINAL_SETTINGS = 'SETTINGS do_not_merge_across_partitions_select_final = 1';
// DateTime64(3) ends in 2299: a later time from a log id cannot be bound, nor match anything.
const MAX_DATETIME64_MS = Date.UTC(2300, 0, 1) - 1;
const CHECKPOINT_FROM = /^[0-9]{1,56}$/;

/**
 * Checkpoint mode (`from` and/or `take` given) is Auth0's export mode: entries after `from` in
 * log_id order, no end, and every other parameter ignored, as Auth0 does. Without `from` it
 * starts at the oldest entry kept. Otherwise: search mode, `q` with page/per_page and sort.
 */
export function isCheckpointMode(opts: Pick<LogsSelectOptions, 'fromLogId' | 'take'>): boolean {
  return opts.fromLogId !== undefined || opts.take !== undefined;
}

export function buildLogsSelect(opts: LogsSelectOptions): BuiltQuery {
  return isCheckpointMode(opts) ? checkpointSelect(opts) : searchSelect(opts);
}

/** The number of entries `q` matches (for include_totals), with the same dedup as the SELECT. */
export function buildLogsCount(opts: Pick<LogsSelectOptions, 'q'>): BuiltQuery {
  const { where, params } = compileLogQuery(parseLogQuery(opts.q ?? ''));
  return { query: `SELECT count() AS total FROM ${AUDIT_TABLE} FINAL WHERE ${where} ${FINAL_SETTINGS}`, params, fields: [] };
}

/** One entry by id (GET /logs/{id}); no row means 404. */
export function buildLogGet(logId: string): BuiltQuery {
  const params: Record<string, unknown> = { id: logId };
  const conditions = ['log_id = {id:String}'];
  const ms = logId.length === 56 ? logIdTimeMs(logId) : undefined;
  if (ms !== undefined && ms <= MAX_DATETIME64_MS) {
    conditions.push(`${columnOf('date')} = {date:${DATETIME64_SQL_TYPE}}`);
    params.date = formatDateTime64(ms);
  }
  return {
    query: `SELECT ${columnList(OUTPUT_FIELDS)} FROM ${AUDIT_TABLE} FINAL WHERE ${conditions.join(' AND ')} LIMIT 1 ${FINAL_SETTINGS}`,
    params,
    fields: OUTPUT_FIELDS,
  };
}

function searchSelect(opts: LogsSelectOptions): BuiltQuery {
  const page = intOption('page', opts.page ?? 0, 0, Number.MAX_SAFE_INTEGER);
  const perPage = intOption('per_page', opts.perPage ?? DEFAULT_PER_PAGE, 0, MAX_PER_PAGE);
  const offset = page * perPage;
  if (perPage > 0 && offset >= MAX_SEARCH_RESULTS) {
    throw new LogQueryError(
      `Only the first ${MAX_SEARCH_RESULTS} results of a search can be paged through; narrow q, or export with from/take`,
    );
  }
  const limit = Math.min(perPage, MAX_SEARCH_RESULTS - offset);
  const direction = sortDirection(opts.sort);
  const fields = selectedFields(opts.fields, opts.includeFields);
  const { where, params } = compileLogQuery(parseLogQuery(opts.q ?? ''));
  const date = columnOf('date');
  const logId = columnOf('log_id');
  return {
    // log_id breaks ties between equal dates, so pages never overlap or skip.
    query:
      `SELECT ${columnList(fields)} FROM ${AUDIT_TABLE} FINAL WHERE ${where} ` +
      `ORDER BY ${date} ${direction}, ${logId} ${direction} LIMIT {limit:UInt32} OFFSET {offset:UInt32} ${FINAL_SETTINGS}`,
    params: { ...params, limit, offset },
    fields,
  };
}

function checkpointSelect(opts: LogsSelectOptions): BuiltQuery {
  const take = intOption('take', opts.take ?? DEFAULT_TAKE, 0, MAX_TAKE);
  const params: Record<string, unknown> = { limit: take };
  const conditions: string[] = [];
  const from = opts.fromLogId;
  if (from !== undefined) {
    if (typeof from !== 'string' || !CHECKPOINT_FROM.test(from)) {
      throw new LogQueryError(`from must be a log_id (digits only, at most 56), got ${quote(String(from))}`);
    }
    conditions.push('log_id > {from:String}');
    params.from = from;
    // An id's leading 16 digits are its entry's epoch ms (AuditEntrySchema enforces it), so every
    // later id has a date at least that: this bound prunes months and key ranges, same result.
    const ms = logIdTimeMs(from);
    if (ms !== undefined && ms <= MAX_DATETIME64_MS) {
      conditions.push(`${columnOf('date')} >= {from_date:${DATETIME64_SQL_TYPE}}`);
      params.from_date = formatDateTime64(ms);
    }
  }
  // Entries commit out of log_id (event time) order, a moment after their event: a reader that
  // took the newest id would never be shown an older entry committed after it. Holding back the
  // last `horizon` ms lets the commits in flight land before the reader can pass them.
  const horizon = intOption('horizon', opts.horizonMs ?? 0, 0, 3_600_000);
  if (horizon > 0) {
    conditions.push(`${columnOf('date')} <= now64(3) - toIntervalMillisecond({horizon:UInt32})`);
    params.horizon = horizon;
  }
  const where = conditions.length === 0 ? 'true' : conditions.join(' AND ');
  return {
    query: `SELECT ${columnList(OUTPUT_FIELDS)} FROM ${AUDIT_TABLE} FINAL WHERE ${where} ORDER BY ${columnOf('log_id')} ASC LIMIT {limit:UInt32} ${FINAL_SETTINGS}`,
    params,
    fields: OUTPUT_FIELDS,
  };
}

function sortDirection(sort: unknown): 'ASC' | 'DESC' {
  if (sort === undefined || sort === 'date:-1') return 'DESC';
  if (sort === 'date:1') return 'ASC';
  throw new LogQueryError(`sort must be date:1 or date:-1, got ${quote(String(sort))}`);
}

/**
 * `fields` + `include_fields`: the listed fields, or all but them; none listed means all. Listed
 * fields come in answer order (Auth0's), whatever order the request named them in.
 */
function selectedFields(fields: unknown, includeFields: unknown): readonly OutputField[] {
  if (fields === undefined || (Array.isArray(fields) && fields.length === 0)) return OUTPUT_FIELDS;
  if (!Array.isArray(fields)) throw new LogQueryError('fields must be a list of field names');
  const listed = new Set<OutputField>();
  for (const f of fields as unknown[]) {
    if (typeof f !== 'string' || !isOutputField(f)) {
      throw new LogQueryError(`Unknown field ${quote(String(f))} in fields; fields are ${OUTPUT_FIELDS.join(', ')}`);
    }
    listed.add(f);
  }
  if (includeFields !== undefined && typeof includeFields !== 'boolean') throw new LogQueryError('include_fields must be true or false');
  const include = includeFields ?? true;
  const chosen = OUTPUT_FIELDS.filter((f) => listed.has(f) === include);
  if (chosen.length === 0) throw new LogQueryError('fields with include_fields=false leaves no field to return');
  return chosen;
}

/** The columns behind these fields (log_id always among them: the paging key). */
function columnList(fields: readonly OutputField[]): string {
  return columnsFor(fields).join(', ');
}

function intOption(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
    throw new LogQueryError(`${name} must be a whole number ${range}, got ${quote(String(value))}`);
  }
  return value;
}

/**
 * One page of an export: entries matching `q` after `afterLogId`, in log_id order. Keyset paging
 * (never OFFSET) keeps every page as cheap as the first and lets the caller stream a result of
 * any size page by page in constant memory — the embedded engine buffers a whole result, so a
 * single unbounded SELECT would not.
 */
export function buildLogsExportPage(opts: { q?: string; afterLogId?: string; limit: number; fields?: string[]; includeFields?: boolean }): BuiltQuery {
  const limit = intOption('limit', opts.limit, 1, 100_000);
  const fields = selectedFields(opts.fields, opts.includeFields);
  const { where, params } = compileLogQuery(parseLogQuery(opts.q ?? ''));
  const conditions = [`(${where})`];
  const all: Record<string, unknown> = { ...params, export_limit: limit };
  if (opts.afterLogId !== undefined) {
    conditions.push(`${columnOf('log_id')} > {export_after:String}`);
    all.export_after = opts.afterLogId;
  }
  return {
    query: `SELECT ${columnList(fields)} FROM ${AUDIT_TABLE} FINAL WHERE ${conditions.join(' AND ')} ORDER BY ${columnOf('log_id')} ASC LIMIT {export_limit:UInt32} ${FINAL_SETTINGS}`,
    params: all,
    fields,
  };
}

/** Where a live tail stands: the insert time (ClickHouse text) and log_id of the last entry it sent. */
export interface TailCursor {
  insertedAt: string;
  logId: string;
}

/**
 * The live tail's next page (GET /api/v2/logs/stream): entries matching `q` inserted after the
 * cursor, in insert order. log_id order is event-time order, and entries are committed out of it
 * (partitions, sources and a restarted writer commit at their own pace), so a log_id cursor would
 * skip an entry committed after a later one; the insert time orders them as committed.
 * `settleMs` keeps the newest inserts back until any insert that began before them is visible:
 * insert time is taken when an insert starts. No FINAL: a redelivered copy is a new insert, which
 * the stream drops by id (it remembers the ids it sent).
 */
export function buildLogsTailPage(opts: { q?: string; after: TailCursor; limit: number; settleMs: number; fields?: string[]; includeFields?: boolean }): BuiltQuery {
  const limit = intOption('limit', opts.limit, 1, 10_000);
  const settle = intOption('settle', opts.settleMs, 0, 60_000);
  const fields = selectedFields(opts.fields, opts.includeFields);
  const { where, params } = compileLogQuery(parseLogQuery(opts.q ?? ''));
  return {
    query:
      `SELECT ${columnList(fields)}, toString(inserted_at) AS tail_inserted_at FROM ${AUDIT_TABLE} ` +
      `WHERE (${where}) AND (inserted_at, ${columnOf('log_id')}) > ({tail_at:${DATETIME64_SQL_TYPE}}, {tail_id:String}) ` +
      `AND inserted_at <= now64(3) - toIntervalMillisecond({tail_settle:UInt32}) ` +
      `ORDER BY inserted_at ASC, ${columnOf('log_id')} ASC LIMIT {tail_limit:UInt32}`,
    params: { ...params, tail_at: opts.after.insertedAt, tail_id: opts.after.logId, tail_settle: settle, tail_limit: limit },
    fields,
  };
}

/** The cursor a new tail starts from: the engine's clock now, before every entry inserted later. */
export const TAIL_START_QUERY = 'SELECT toString(now64(3)) AS inserted_at';

/**
 * The cursor just past an entry a tail already sent (SSE Last-Event-ID). Its earliest copy: a
 * later copy (a redelivered batch) would skip what was inserted between the two.
 */
export function buildTailCursorOf(logId: string): BuiltQuery {
  if (!/^[0-9]{56}$/.test(logId)) throw new LogQueryError(`Last-Event-ID must be a log_id (56 digits), got ${quote(logId)}`);
  const ms = logIdTimeMs(logId)!;
  const params: Record<string, unknown> = { id: logId };
  const conditions = ['log_id = {id:String}'];
  if (ms <= MAX_DATETIME64_MS) {
    conditions.push(`${columnOf('date')} = {date:${DATETIME64_SQL_TYPE}}`);
    params.date = formatDateTime64(ms);
  }
  return {
    query: `SELECT toString(min(inserted_at)) AS inserted_at, count() AS copies FROM ${AUDIT_TABLE} WHERE ${conditions.join(' AND ')}`,
    params,
    fields: [],
  };
}
