// Where every acknowledged action must be once a fault is over: in the state (GET), in ClickHouse
// (GET /api/v2/logs, found by the action's identity) and at the log stream receiver, exactly once.
import { setTimeout as delay } from 'node:timers/promises';
import type { Receiver } from '../../test/helpers/receivers/index.js';
import { acknowledged, WRITE_KINDS, type Outcome } from './load.js';

export interface Api {
  origin(): string;
  token: string;
}

export interface Figures {
  accepted: number;
  acceptedByKind: Record<(typeof WRITE_KINDS)[number], number>;
  /** Acknowledged actions whose effect the state does not show (nor a later write explains). */
  stateMissing: string[];
  clickhouse: Presence;
  receiver: Presence & {
    /** Deliveries of a log_id beyond its first (at-least-once: a retried batch the sink had kept). */
    duplicateDeliveries: number;
  };
}

export interface Presence {
  present: number;
  missing: string[];
  /** Actions with more than one entry (distinct log_ids), and log_ids listed more than once. */
  duplicated: string[];
}

interface Entry {
  log_id: string;
  user_agent: string;
}

/** Polls until check returns a value, or gives up after timeoutMs with undefined (no throw: a miss is a figure). */
export async function within<T>(timeoutMs: number, check: () => Promise<T | undefined> | T | undefined): Promise<T | undefined> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch {
      // not yet answerable (a process restarting, a query refused): try again
    }
    if (Date.now() >= until) return undefined;
    await delay(250);
  }
}

const headers = (api: Api, identity: string) => ({ authorization: `Bearer ${api.token}`, 'user-agent': identity });

// Identities per search: q allows 100 conditions and 4096 characters.
const SEARCH_CHUNK = 40;
const PER_PAGE = 100;

/** The audit entries of these identities, as GET /api/v2/logs answers a search on user_agent. */
export async function entriesInClickHouse(api: Api, identities: readonly string[], asIdentity: string): Promise<Entry[]> {
  const found: Entry[] = [];
  for (let i = 0; i < identities.length; i += SEARCH_CHUNK) {
    const chunk = identities.slice(i, i + SEARCH_CHUNK);
    const q = `user_agent:(${chunk.map((id) => JSON.stringify(id)).join(' OR ')})`;
    for (let page = 0; ; page++) {
      const url = new URL('/api/v2/logs', api.origin());
      url.search = new URLSearchParams({ q, per_page: String(PER_PAGE), page: String(page), fields: 'log_id,user_agent', include_fields: 'true' }).toString();
      const res = await fetch(url, { headers: headers(api, asIdentity), signal: AbortSignal.timeout(30_000) });
      if (res.status !== 200) throw new Error(`GET /api/v2/logs answered ${res.status}: ${await res.text()}`);
      const rows = (await res.json()) as Entry[];
      found.push(...rows);
      if (rows.length < PER_PAGE) break;
    }
  }
  return found;
}

function presence(expected: readonly string[], entries: readonly Entry[]): Presence {
  const logIdsOf = new Map<string, Set<string>>();
  const seen = new Map<string, number>();
  for (const e of entries) {
    logIdsOf.set(e.user_agent, (logIdsOf.get(e.user_agent) ?? new Set()).add(e.log_id));
    seen.set(e.log_id, (seen.get(e.log_id) ?? 0) + 1);
  }
  return {
    present: expected.filter((id) => logIdsOf.has(id)).length,
    missing: expected.filter((id) => !logIdsOf.has(id)),
    duplicated: [
      ...expected.filter((id) => (logIdsOf.get(id)?.size ?? 0) > 1).map((id) => `${id}: ${logIdsOf.get(id)!.size} entries`),
      ...[...seen].filter(([, n]) => n > 1).map(([logId, n]) => `log_id ${logId} listed ${n} times`),
    ],
  };
}

export function atReceiver(receiver: Receiver, expected: readonly string[]): Presence & { duplicateDeliveries: number } {
  const wanted = new Set(expected);
  const mine = (receiver.entries as unknown as Entry[]).filter((e) => wanted.has(e.user_agent));
  // A redelivered log_id is at-least-once delivery, counted apart; distinct entries per action are the duplicates.
  const distinct = [...new Map(mine.map((e) => [e.log_id, e])).values()];
  return { ...presence(expected, distinct), duplicateDeliveries: mine.length - distinct.length };
}

/** Checks the state against what the load was told, after reads are no longer flagged stale. */
export async function stateMisses(api: Api, outcomes: readonly Outcome[], asIdentity: string, timeoutMs: number): Promise<string[]> {
  const get = async (id: string) => {
    const res = await fetch(`${api.origin()}/api/v2/clients/${encodeURIComponent(id)}`, { headers: headers(api, asIdentity), signal: AbortSignal.timeout(30_000) });
    const body = res.status === 200 ? ((await res.json()) as { description?: string; client_secret?: string }) : (await res.body?.cancel(), undefined);
    return { status: res.status, stale: res.headers.get('x-apptrail-stale'), body };
  };
  await within(timeoutMs, async () => ((await get('chaos-probe')).stale === null ? true : undefined));

  const acked = outcomes.filter(acknowledged);
  const touched = [...new Set(acked.map((o) => o.clientId).filter((id) => id !== undefined))];
  const states = new Map<string, Awaited<ReturnType<typeof get>>>();
  for (const id of touched) states.set(id, await get(id));

  const misses: string[] = [];
  for (const o of acked) {
    const id = o.clientId!;
    const state = states.get(id)!;
    const later = (kind: Outcome['kind']) => outcomes.filter((w) => w.kind === kind && w.clientId === id && w.id > o.id);
    // A delete that got no 2xx may still have happened: a 404 it explains is no loss.
    const deletedSince = later('delete').length > 0;
    let ok: boolean;
    if (state.stale !== null) ok = false;
    else if (o.kind === 'delete') ok = state.status === 404;
    else if (state.status === 404) ok = deletedSince;
    else if (state.status !== 200) ok = false;
    else if (o.kind === 'patch') ok = [o, ...later('patch')].some((w) => w.value === state.body?.description);
    // An unanswered rotation's secret is unknown: any later attempt may account for another one.
    else if (o.kind === 'rotate') ok = state.body?.client_secret === o.value || later('rotate').length > 0;
    else ok = true;
    if (!ok) misses.push(`${o.identity} ${o.kind} ${id}: GET answers ${state.status}${state.stale === null ? '' : ` flagged stale (${state.stale})`}`);
  }
  return misses;
}

export interface VerifyOptions {
  api: Api;
  receiver: Receiver;
  outcomes: readonly Outcome[];
  /** The user agent of the verification's own requests (secret reads are audited too). */
  asIdentity: string;
  timeoutMs: number;
}

/** Waits (bounded) for every acknowledged action to land everywhere, then counts. */
export async function verify(opts: VerifyOptions): Promise<Figures> {
  const acked = opts.outcomes.filter(acknowledged);
  const identities = acked.map((o) => o.identity);
  const acceptedByKind = Object.fromEntries(WRITE_KINDS.map((k) => [k, acked.filter((o) => o.kind === k).length])) as Figures['acceptedByKind'];
  const stateMissing = await stateMisses(opts.api, opts.outcomes, opts.asIdentity, opts.timeoutMs);

  const inClickHouse = () => entriesInClickHouse(opts.api, identities, opts.asIdentity);
  await within(opts.timeoutMs, async () => (presence(identities, await inClickHouse()).missing.length === 0 ? true : undefined));
  const clickhouse = presence(identities, await inClickHouse());

  await within(opts.timeoutMs, () => (atReceiver(opts.receiver, identities).missing.length === 0 ? true : undefined));
  const receiver = atReceiver(opts.receiver, identities);
  return { accepted: acked.length, acceptedByKind, stateMissing, clickhouse, receiver };
}
