import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { stringify } from 'csv-stringify';
import type { ClickHouseHandle } from '../../shared/clickhouse/index.js';
import {
  HISTOGRAM_INTERVALS, buildLogGet, buildLogsCount, buildLogsExportPage, buildLogsHistogram, buildLogsSelect, buildLogsSpan, checkInterval, chooseInterval,
  fromAuditRow, isCheckpointMode, toHistogramBuckets, type BuiltQuery, type HistogramInterval, type LogObject,
} from '../../shared/audit/index.js';
import { principalOf, requireAnyScope } from '../../shared/auth/index.js';
import { notFound } from '../../shared/errors/auth0-error.js';
import { boolParam, csvParam } from '../../shared/http/query-params.js';
import type { Logger } from '../../shared/log/index.js';
import { logsStreamRoutes, type LogsStreamOptions } from './logs-stream.js';

const READ_LOGS = ['read:logs', 'read:logs_users'];
const EXPORT_PAGE = 5_000;

const LogsQuerySchema = z.strictObject({
  q: z.string().optional().describe("Auth0 log search syntax, e.g. type:fapi AND date:[2026-01-01 TO 2026-02-01]"),
  search: z.string().optional().describe('Legacy alias of q'),
  page: z.coerce.number().int().min(0).optional(),
  per_page: z.coerce.number().int().min(0).max(100).optional(),
  include_totals: boolParam.optional(),
  sort: z.enum(['date:1', 'date:-1']).optional(),
  fields: csvParam.optional(),
  include_fields: boolParam.optional(),
  from: z.string().optional().describe('Checkpoint: log_id to continue after'),
  take: z.coerce.number().int().min(1).max(100).optional(),
});

const ExportQuerySchema = z.strictObject({
  q: z.string().optional(),
  format: z.enum(['ndjson', 'csv']).default('ndjson'),
  fields: csvParam.optional(),
  include_fields: boolParam.optional(),
});

const HistogramQuerySchema = z.strictObject({
  q: z.string().optional().describe('Auth0 log search syntax, as for GET /api/v2/logs'),
  interval: z.enum(['auto', ...(Object.keys(HISTOGRAM_INTERVALS) as HistogramInterval[])]).default('auto')
    .describe('Bucket width; auto picks the finest with at most 200 buckets over the matching entries'),
});

const HistogramSchema = z.object({
  interval: z.enum(Object.keys(HISTOGRAM_INTERVALS) as [HistogramInterval, ...HistogramInterval[]]),
  interval_ms: z.number(),
  total: z.number(),
  buckets: z.array(z.object({ date: z.string(), total: z.number(), counts: z.record(z.string(), z.number()) })),
});

type Row = Record<string, unknown>;

/** The origin the caller used; empty (a relative link) when its Host header is no URL authority. */
function originOf(req: FastifyRequest): string {
  try {
    return new URL(`${req.protocol}://${req.host}`).origin;
  } catch {
    return '';
  }
}

async function rows(ch: Pick<ClickHouseHandle, 'client'>, built: Pick<BuiltQuery, 'query' | 'params'>): Promise<Row[]> {
  const rs = await ch.client.query({ query: built.query, query_params: built.params, format: 'JSONEachRow' });
  return rs.json<Row>();
}

/** The log objects a query answers, with the fields it was built for. */
async function logObjects(ch: Pick<ClickHouseHandle, 'client'>, built: BuiltQuery): Promise<LogObject[]> {
  return (await rows(ch, built)).map((row) => fromAuditRow(row, built.fields));
}

/** Every matching entry, page after page by log_id: memory stays at one page whatever the total. */
async function* exportEntries(ch: Pick<ClickHouseHandle, 'client'>, q: z.infer<typeof ExportQuerySchema>): AsyncGenerator<LogObject> {
  let after: string | undefined;
  for (;;) {
    const built = buildLogsExportPage({ q: q.q, afterLogId: after, limit: EXPORT_PAGE, fields: q.fields, includeFields: q.include_fields });
    const page = await rows(ch, built);
    for (const row of page) yield fromAuditRow(row, built.fields);
    if (page.length < EXPORT_PAGE) return;
    after = String(page.at(-1)!.log_id);
  }
}

export async function logsRoutes(
  app: FastifyInstance,
  deps: { ch: Pick<ClickHouseHandle, 'client'>; log?: Logger; stream?: LogsStreamOptions; /** Checkpoint pages hold back the newest entries this long (LOGS_CHECKPOINT_HORIZON_MS); default 0. */ checkpointHorizonMs?: number },
): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { ch } = deps;
  await logsStreamRoutes(app, { ch, ...(deps.log ? { log: deps.log } : {}), ...(deps.stream ? { options: deps.stream } : {}) });
  const tags = ['logs'];

  r.get('/api/v2/logs', { schema: { tags, summary: 'Search log events', querystring: LogsQuerySchema } }, async (req, reply) => {
    requireAnyScope(principalOf(req), READ_LOGS);
    const query = req.query;
    const q = query.q ?? query.search;
    if (isCheckpointMode({ fromLogId: query.from, take: query.take })) {
      const page = await logObjects(ch, buildLogsSelect({ fromLogId: query.from, take: query.take, horizonMs: deps.checkpointHorizonMs ?? 0 }));
      // Auth0: the next page continues after the last id; an empty page points at itself.
      const last = page.at(-1)?.log_id;
      const next = typeof last === 'string' ? last : query.from;
      const url = new URL(req.url, 'http://localhost');
      if (next) url.searchParams.set('from', next);
      url.searchParams.set('take', String(query.take ?? 50));
      void reply.header('link', `<${originOf(req)}${url.pathname}${url.search}>; rel="next"`);
      return page;
    }
    const opts = { q, sort: query.sort, page: query.page, perPage: query.per_page, fields: query.fields, includeFields: query.include_fields };
    const logs = await logObjects(ch, buildLogsSelect(opts));
    if (!query.include_totals) return logs;
    const [count] = await rows(ch, buildLogsCount({ q }));
    const perPage = query.per_page ?? 50;
    return { start: (query.page ?? 0) * perPage, limit: perPage, length: logs.length, total: Number(count?.total ?? 0), logs };
  });

  r.get('/api/v2/logs/export', { schema: { tags, summary: 'Export log events as NDJSON or CSV (streamed)', querystring: ExportQuerySchema } }, async (req, reply) => {
    requireAnyScope(principalOf(req), READ_LOGS);
    const q = req.query;
    // Fail on a bad q or field list with a 400 now, not halfway through a streamed body.
    const { fields } = buildLogsExportPage({ q: q.q, limit: 1, fields: q.fields, includeFields: q.include_fields });
    const entries = Readable.from(exportEntries(ch, q));
    if (q.format === 'csv') {
      // Objects as JSON; false as "false" (csv-stringify would write an empty cell); null as an empty cell.
      const csv = stringify({ header: true, columns: [...fields], cast: { object: (v) => JSON.stringify(v), boolean: (v) => String(v) } });
      entries.on('error', (err) => csv.destroy(err));
      void reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="audit-log.csv"');
      return reply.send(entries.pipe(csv));
    }
    const lines = entries.map((e: LogObject) => `${JSON.stringify(e)}\n`);
    void reply.header('content-type', 'application/x-ndjson').header('content-disposition', 'attachment; filename="audit-log.ndjson"');
    return reply.send(lines);
  });

  r.get(
    '/api/v2/logs/histogram',
    { schema: { tags, summary: 'Count log events per interval and type (apptrail addition)', querystring: HistogramQuerySchema, response: { 200: HistogramSchema } } },
    async (req) => {
      requireAnyScope(principalOf(req), READ_LOGS);
      const { q, interval } = req.query;
      const [span] = await rows(ch, buildLogsSpan(q));
      const total = Number(span?.total ?? 0);
      if (total === 0) {
        const none: HistogramInterval = interval === 'auto' ? 'hour' : interval;
        return { interval: none, interval_ms: HISTOGRAM_INTERVALS[none], total, buckets: [] };
      }
      const first = Number(span!.first_ms);
      const last = Number(span!.last_ms);
      const chosen = interval === 'auto' ? chooseInterval(first, last) : interval;
      checkInterval(chosen, first, last);
      const grouped = await rows(ch, buildLogsHistogram(q, chosen));
      return { interval: chosen, interval_ms: HISTOGRAM_INTERVALS[chosen], total, buckets: toHistogramBuckets(grouped as Array<{ bucket_ms: unknown; type: unknown; count: unknown }>) };
    },
  );

  r.get('/api/v2/logs/:id', { schema: { tags, summary: 'Get a log event by id', params: z.strictObject({ id: z.string().min(1).max(64) }) } }, async (req) => {
    requireAnyScope(principalOf(req), READ_LOGS);
    const [log] = await logObjects(ch, buildLogGet(req.params.id));
    if (!log) throw notFound('Log event not found', 'inexistent_log');
    return log;
  });
}
