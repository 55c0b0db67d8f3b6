// "An action is done when it is in ClickHouse AND at a log stream": checks the trail of a set of
// answered requests, each found by its unique User-Agent, in the audit_log table (FINAL) and at
// an HTTP log-stream receiver; exactly one entry each, of the right type, never degraded, and no
// secret that was answered or sent appears anywhere in either.
import type { ClickHouseHandle } from '../../shared/clickhouse/index.js';
import type { Receiver } from './receivers/core.js';
import type { Expectation } from './client-commands.js';
import { eventually } from './kafka.js';

interface Row {
  log_id: string;
  type: string;
  user_agent: string;
  target_client_id: string;
  details: string;
}

export interface TrailFigures {
  /** Requests that must have left an entry (2xx writes, refused writes, secret reads). */
  expected: number;
  /** …of them answered 2xx. */
  accepted: number;
  inClickHouse: number;
  atReceiver: number;
  /** Expected entries absent from ClickHouse or the receiver. */
  missing: string[];
  /** Requests with more than one distinct entry (ClickHouse or receiver). */
  duplicated: string[];
  /** Deliveries of a log_id the receiver already had (at-least-once re-sends). */
  redelivered: number;
  degraded: string[];
  /** Rows for requests that must leave no entry (plain reads). */
  unexpected: string[];
  /** Entries whose type, status or target differs from the request's. */
  mismatched: string[];
  /** Secrets found, as `where: first characters`. */
  leaked: string[];
}

async function rowsFor(ch: Pick<ClickHouseHandle, 'client'>, prefix: string): Promise<Row[]> {
  const result = await ch.client.query({
    query: 'SELECT log_id, type, user_agent, target_client_id, details FROM audit_log FINAL WHERE startsWith(user_agent, {prefix:String})',
    query_params: { prefix },
    format: 'JSONEachRow',
  });
  return result.json<Row>();
}

/** Every string in a value, keys included, with JSON text inside strings opened too. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') {
    out.push(value);
    if (value.startsWith('{') || value.startsWith('[')) {
      try {
        strings(JSON.parse(value), out);
      } catch {
        // Not JSON: the string itself is already kept.
      }
    }
  } else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      strings(v, out);
    }
  }
  return out;
}

function findSecrets(where: string, haystack: string[], secrets: Iterable<string>): string[] {
  const text = haystack.join('\u0001');
  return [...secrets].filter((s) => text.includes(s)).map((s) => `${where}: ${s.slice(0, 24)}…`);
}

/**
 * Waits until every expected entry is in ClickHouse and at the receiver (or `timeoutMs` passed),
 * then measures. `settleMs` keeps watching a little longer so a late duplicate is counted.
 */
export async function checkTrail(opts: {
  ch: Pick<ClickHouseHandle, 'client'>;
  receiver: Receiver;
  prefix: string;
  expectations: readonly Expectation[];
  secrets: Iterable<string>;
  timeoutMs?: number;
  settleMs?: number;
}): Promise<TrailFigures> {
  const { ch, receiver, prefix, expectations } = opts;
  const wanted = expectations.filter((e) => e.entry !== 'none');
  const atReceiver = () => {
    const byAgent = new Map<string, Set<string>>();
    for (const e of receiver.entries) {
      const agent = e.user_agent;
      if (typeof agent !== 'string' || !agent.startsWith(prefix)) continue;
      let ids = byAgent.get(agent);
      if (!ids) byAgent.set(agent, (ids = new Set()));
      ids.add(e.log_id as string);
    }
    return byAgent;
  };
  const complete = async () => {
    const rows = await rowsFor(ch, prefix);
    const agents = new Set(rows.map((r) => r.user_agent));
    const received = atReceiver();
    return wanted.every((e) => agents.has(e.userAgent) && received.has(e.userAgent)) ? true : undefined;
  };
  await eventually(complete, opts.timeoutMs ?? 60_000, `${wanted.length} entries in ClickHouse and at the receiver`).catch(() => undefined);
  if (opts.settleMs) await new Promise((r) => setTimeout(r, opts.settleMs));

  const rows = await rowsFor(ch, prefix);
  const received = atReceiver();
  const byAgent = new Map<string, Row[]>();
  for (const r of rows) byAgent.set(r.user_agent, [...(byAgent.get(r.user_agent) ?? []), r]);

  const figures: TrailFigures = {
    expected: wanted.length, accepted: wanted.filter((e) => e.status < 300).length, inClickHouse: 0, atReceiver: 0,
    missing: [], duplicated: [], redelivered: 0, degraded: [], unexpected: [], mismatched: [], leaked: [],
  };
  const label = (e: Expectation) => `${e.method} ${e.path} ${e.status} (${e.command}, ${e.userAgent.slice(prefix.length)})`;
  for (const e of expectations) {
    const found = byAgent.get(e.userAgent) ?? [];
    const ids = received.get(e.userAgent) ?? new Set<string>();
    if (e.entry === 'none') {
      if (found.length > 0 || ids.size > 0) figures.unexpected.push(label(e));
      continue;
    }
    if (found.length >= 1) figures.inClickHouse++;
    if (ids.size >= 1) figures.atReceiver++;
    if (found.length === 0 || ids.size === 0) figures.missing.push(`${label(e)}: ${found.length} in ClickHouse, ${ids.size} at the receiver`);
    if (found.length > 1 || ids.size > 1) figures.duplicated.push(`${label(e)}: ${found.length} in ClickHouse, ${ids.size} at the receiver`);
    for (const row of found) {
      const details = JSON.parse(row.details) as { degraded?: unknown; response?: { statusCode?: number } };
      if (details.degraded !== undefined) figures.degraded.push(`${label(e)}: ${JSON.stringify(details.degraded)}`);
      const problems = [
        row.type !== e.entry ? `type ${row.type}, expected ${e.entry}` : '',
        details.response?.statusCode !== e.status ? `status ${details.response?.statusCode}, expected ${e.status}` : '',
        e.targetClientId !== undefined && row.target_client_id !== e.targetClientId ? `target ${row.target_client_id}, expected ${e.targetClientId}` : '',
        ids.size > 0 && !ids.has(row.log_id) ? `log_id ${row.log_id} is not the one delivered (${[...ids].join(', ')})` : '',
      ].filter(Boolean);
      if (problems.length > 0) figures.mismatched.push(`${label(e)}: ${problems.join('; ')}`);
    }
  }
  for (const [id, n] of receiver.acceptedIds()) if (n > 1 && [...received.values()].some((ids) => ids.has(id))) figures.redelivered += n - 1;

  // Secrets: anywhere in the table (not only this run's rows) and in anything the receiver kept.
  const all = await (await ch.client.query({ query: 'SELECT * FROM audit_log', format: 'JSONEachRow' })).json<Record<string, unknown>>();
  figures.leaked.push(...findSecrets('ClickHouse', strings(all), opts.secrets), ...findSecrets('receiver', strings(receiver.entries), opts.secrets));
  return figures;
}

/** The figures as one line, for the test output. */
export function summarise(f: TrailFigures): string {
  return `expected ${f.expected} (accepted ${f.accepted}), in ClickHouse ${f.inClickHouse}, at the receiver ${f.atReceiver}, missing ${f.missing.length}, duplicated ${f.duplicated.length}, redelivered ${f.redelivered}, degraded ${f.degraded.length}, unexpected ${f.unexpected.length}, mismatched ${f.mismatched.length}, leaked ${f.leaked.length}`;
}
