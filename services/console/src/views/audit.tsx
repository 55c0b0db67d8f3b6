import { useEffect, useRef, useState } from 'preact/hooks';
import { api, apiJson, ApiError, endSession } from '../api.js';
import { getSession } from '../session.js';
import { compileQuery, EMPTY_FILTERS, type LogFilters } from '../filters.js';
import { linkProps } from '../router.js';
import type { AuditDetails } from '../../../../shared/audit/entry.js';
import { Badge, ChangesTable, ErrorBox, formatDate, Json, show } from './parts.js';
import { Histogram, type HistogramAnswer } from './histogram.js';
import { prependLive, startLiveTail, type TailState } from '../live-tail.js';

/** One log event as GET /api/v2/logs answers it (the fields the explorer reads). */
interface LogEntry {
  log_id: string;
  date: string;
  type: string;
  description: string;
  client_id: string | null;
  client_name: string;
  user_id: string | null;
  user_name: string | null;
  ip: string | null;
  target_client_id?: string;
  target_client_name?: string;
  details?: AuditDetails;
}

interface LogsPage {
  start: number;
  limit: number;
  length: number;
  total: number;
  logs: LogEntry[];
}

const PER_PAGE = 25;
/** The live list keeps the newest entries only, so a busy tenant cannot grow the page without end. */
const LIVE_MAX = 500;
const TYPES: Array<[string, string]> = [
  ['', 'Any type'],
  ['sapi', 'sapi: a change took effect'],
  ['fapi', 'fapi: a request was refused or failed'],
  ['mgmt_api_read', 'mgmt_api_read: a secret was read'],
];

const EXAMPLES: Array<[string, string]> = [
  ['type:fapi', 'refused or failed requests'],
  ['type:sapi AND target_client_name:"My App"', 'changes to the client named My App'],
  ['date:[2026-11-01 TO 2026-11-30]', 'everything in November 2026 (UTC)'],
  ['description:*secret*', 'descriptions containing "secret" (wildcards need 3 letters)'],
  ['type:sapi AND NOT user_id:"apptrail|local-admin"', 'changes made by anyone but the local admin'],
];

/** datetime-local (the browser's zone) to an ISO instant the q date syntax reads. */
function toInstant(local: string): string {
  if (!local) return '';
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

export function AuditExplorer(props: { initial: URLSearchParams }) {
  const [form, setForm] = useState<LogFilters & { fromLocal: string; toLocal: string }>(() => ({
    ...EMPTY_FILTERS,
    q: props.initial.get('q') ?? '',
    target: props.initial.get('target') ?? '',
    fromLocal: '',
    toLocal: '',
  }));
  const [query, setQuery] = useState(() => compileQuery({ ...EMPTY_FILTERS, q: props.initial.get('q') ?? '', target: props.initial.get('target') ?? '' }));
  const [sort, setSort] = useState<'date:-1' | 'date:1'>('date:-1');
  const [page, setPage] = useState(0);
  const [result, setResult] = useState<LogsPage | undefined>();
  const [histogram, setHistogram] = useState<HistogramAnswer | undefined>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(false);
  const [open, setOpen] = useState<string | undefined>();
  const seq = useRef(0);
  const [live, setLive] = useState(false);
  const [tailState, setTailState] = useState<TailState>('closed');
  const [tailError, setTailError] = useState<unknown>();
  const [liveEntries, setLiveEntries] = useState<LogEntry[]>([]);

  // The tail follows the query sent; a new search starts a new tail. Unmounting (navigation) stops it.
  useEffect(() => {
    if (!live) return;
    setLiveEntries([]);
    setTailError(undefined);
    const tail = startLiveTail({
      q: query,
      token: () => getSession()?.token,
      onUnauthorized: endSession,
      onEntry: (entry) => setLiveEntries((list) => prependLive(list, entry as LogEntry, LIVE_MAX)),
      onState: (state, err) => {
        setTailState(state);
        if (err) setTailError(err);
      },
    });
    return () => tail.stop();
  }, [live, query]);

  useEffect(() => {
    const mine = ++seq.current;
    setLoading(true);
    setError(undefined);
    const params = { q: query, page, per_page: PER_PAGE, include_totals: true, sort };
    Promise.all([
      apiJson<LogsPage>('/logs', { params }),
      page === 0 ? apiJson<HistogramAnswer>('/logs/histogram', { params: { q: query } }) : Promise.resolve(undefined),
    ])
      .then(([logs, hist]) => {
        if (mine !== seq.current) return;
        setResult(logs);
        if (hist) setHistogram(hist);
      })
      .catch((err: unknown) => {
        if (mine !== seq.current) return;
        setError(err);
        setResult(undefined);
        setHistogram(undefined);
      })
      .finally(() => mine === seq.current && setLoading(false));
  }, [query, page, sort]);

  function set<K extends keyof typeof form>(key: K, value: (typeof form)[K]) {
    setForm((f) => ({ ...f, [key]: value }));
  }

  function search(e?: Event) {
    e?.preventDefault();
    setOpen(undefined);
    setPage(0);
    setQuery(compileQuery({ ...form, from: toInstant(form.fromLocal), to: toInstant(form.toLocal) }));
  }

  function clear() {
    setForm({ ...EMPTY_FILTERS, fromLocal: '', toLocal: '' });
    setOpen(undefined);
    setPage(0);
    setQuery('');
  }

  const pages = result ? Math.max(1, Math.ceil(Math.min(result.total, 1000) / PER_PAGE)) : 1;
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title" tabIndex={-1}>Audit log</h1>
      <form class="search" role="search" aria-label="Search the audit log" onSubmit={search}>
        <div class="row">
          <label for="q">Search</label>
          <input id="q" name="q" type="search" value={form.q} onInput={(e) => set('q', e.currentTarget.value)} placeholder='e.g. type:fapi AND target_client_name:"My App"' aria-describedby="q-help" spellcheck={false} autocomplete="off" />
          <button type="submit">Search</button>
          <button type="button" class="secondary" onClick={clear}>Clear</button>
        </div>
        <div class="filters">
          <div class="field">
            <label for="f-type">Type</label>
            <select id="f-type" name="type" value={form.type} onChange={(e) => set('type', e.currentTarget.value)}>
              {TYPES.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
            </select>
          </div>
          <div class="field">
            <label for="f-actor">Actor</label>
            <input id="f-actor" name="actor" value={form.actor} onInput={(e) => set('actor', e.currentTarget.value)} placeholder="client id or name, user id" />
          </div>
          <div class="field">
            <label for="f-target">Target client</label>
            <input id="f-target" name="target" value={form.target} onInput={(e) => set('target', e.currentTarget.value)} placeholder="client id or name" />
          </div>
          <div class="field">
            <label for="f-from">From (your time zone)</label>
            <input id="f-from" name="from" type="datetime-local" step={1} value={form.fromLocal} onInput={(e) => set('fromLocal', e.currentTarget.value)} />
          </div>
          <div class="field">
            <label for="f-to">To (your time zone)</label>
            <input id="f-to" name="to" type="datetime-local" step={1} value={form.toLocal} onInput={(e) => set('toLocal', e.currentTarget.value)} />
          </div>
        </div>
        <details id="q-help" class="help">
          <summary>Query syntax and examples</summary>
          <p>
            Auth0's log search syntax: <code>field:value</code>, <code>field:"a phrase"</code>, <code>AND</code> / <code>OR</code> / <code>NOT</code>
            (terms side by side are ANDed), parentheses, <code>date:[a TO b]</code> (or <code>{'{a TO b}'}</code> to leave the bounds out, <code>*</code> for an open end),
            and <code>*</code> wildcards next to at least 3 letters. A word without a field matches the client name, description, type, IP, log id,
            user name or target client name. Dates are UTC unless they carry an offset. The filters above are added to the search with AND.
          </p>
          <p>
            Fields: <code>type</code>, <code>date</code>, <code>description</code>, <code>client_id</code>, <code>client_name</code>, <code>user_id</code>,
            <code> user_name</code>, <code>ip</code>, <code>user_agent</code>, <code>log_id</code>, <code>target_client_id</code>, <code>target_client_name</code>, and
            Auth0's <code>connection</code>, <code>hostname</code>, <code>strategy</code>….
          </p>
          <ul class="examples">
            {EXAMPLES.map(([q, what]) => (
              <li key={q}>
                <button type="button" class="link" onClick={() => set('q', q)} aria-label={`Use the example ${q}`}><code>{q}</code></button> — {what}
              </li>
            ))}
          </ul>
        </details>
      </form>

      <p class="effective">
        Query sent: <code data-testid="effective-q">{query || '(everything)'}</code>
      </p>
      <ErrorBox error={error} />
      <Histogram answer={histogram} />

      <div class="live-bar">
        <button type="button" class={live ? undefined : 'secondary'} aria-pressed={live} onClick={() => setLive(!live)}>
          Live
        </button>
        <span class="live-state" role="status" aria-live="polite" data-state={live ? tailState : 'off'} data-testid="live-state">
          {live ? TAIL_STATES[tailState] : 'Live tail off'}
        </span>
        {live && <span class="hint">New entries matching the query sent appear here as they are written (the newest {LIVE_MAX} are kept).</span>}
      </div>
      <ErrorBox error={tailError} />
      {live && liveEntries.length > 0 && (
        <EntriesTable class="results live" testId="live-entries" caption="Live entries, newest first" entries={liveEntries} keyPrefix="live-" open={open} setOpen={setOpen} />
      )}

      <div class="results-bar">
        <p aria-live="polite" aria-atomic="true" class="count" id="result-count">
          {loading ? 'Searching…' : result ? summary(result) : ''}
        </p>
        <label class="inline" for="sort">Order</label>
          <select id="sort" value={sort} onChange={(e) => { setPage(0); setSort(e.currentTarget.value as typeof sort); }}>
            <option value="date:-1">Newest first</option>
            <option value="date:1">Oldest first</option>
          </select>
        <Export q={query} />
      </div>

      {result && result.logs.length > 0 && (
        <EntriesTable class="results" caption="Audit entries matching the search" entries={result.logs} keyPrefix="" open={open} setOpen={setOpen} />
      )}
      {result && result.total > PER_PAGE && (
        <nav class="pager" aria-label="Result pages">
          <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>Previous page</button>
          <span>Page {page + 1} of {pages}</span>
          <button type="button" disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>Next page</button>
        </nav>
      )}
    </section>
  );
}

const TAIL_STATES: Record<TailState, string> = {
  connecting: 'Live: connecting…',
  live: 'Live: connected',
  reconnecting: 'Live: reconnecting…',
  closed: 'Live: closed',
};

function summary(r: LogsPage): string {
  if (r.total === 0) return 'No entries match.';
  const shown = r.length === 0 ? 'none shown' : `${r.start + 1}–${r.start + r.length} shown`;
  return `${r.total} ${r.total === 1 ? 'entry matches' : 'entries match'} (${shown}).`;
}

/** Entries with their expandable details; `keyPrefix` keeps the live list's open entry apart from the results'. */
function EntriesTable(props: { class: string; testId?: string; caption: string; entries: LogEntry[]; keyPrefix: string; open: string | undefined; setOpen: (key: string | undefined) => void }) {
  return (
    <table class={props.class} data-testid={props.testId}>
      <caption class="sr-only">{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col">Date (UTC)</th>
          <th scope="col">Type</th>
          <th scope="col">Description</th>
          <th scope="col">Actor</th>
          <th scope="col">Target</th>
          <th scope="col"><span class="sr-only">Details</span></th>
        </tr>
      </thead>
      <tbody>
        {props.entries.map((entry) => {
          const key = `${props.keyPrefix}${entry.log_id}`;
          return <EntryRows key={key} entry={entry} open={props.open === key} toggle={() => props.setOpen(props.open === key ? undefined : key)} />;
        })}
      </tbody>
    </table>
  );
}

function actorOf(e: LogEntry): string {
  return e.user_name || e.user_id || e.client_name || e.client_id || '—';
}

function EntryRows(props: { entry: LogEntry; open: boolean; toggle: () => void }) {
  const e = props.entry;
  const detailId = `entry-${e.log_id}`;
  return (
    <>
      <tr class={props.open ? 'open' : undefined}>
        <td class="nowrap">{formatDate(e.date)}</td>
        <td><Badge kind={e.type}>{e.type}</Badge></td>
        <td>{e.description || '—'}</td>
        <td title={[e.user_id, e.client_id].filter(Boolean).join(' via ')}>{actorOf(e)}</td>
        <td>
          {e.target_client_id ? <a {...linkProps(`/clients/${encodeURIComponent(e.target_client_id)}`)}>{e.target_client_name || e.target_client_id}</a> : '—'}
        </td>
        <td>
          <button type="button" class="compact" aria-expanded={props.open} aria-controls={detailId} onClick={props.toggle}>
            {props.open ? 'Hide' : 'Details'}<span class="sr-only"> of the entry {e.log_id}</span>
          </button>
        </td>
      </tr>
      {props.open && (
        <tr class="detail">
          <td colSpan={6} id={detailId}>
            <EntryDetail entry={e} />
          </td>
        </tr>
      )}
    </>
  );
}

function EntryDetail(props: { entry: LogEntry }) {
  const d = props.entry.details;
  const changes = d?.changes ?? [];
  return (
    <div class="entry-detail">
      <p class="meta">
        <span>log_id <code>{props.entry.log_id}</code></span>
        {props.entry.ip && <span>from <code>{props.entry.ip}</code></span>}
        {d?.verdict !== undefined && <span>verdict <code>{show(d.verdict)}</code></span>}
        {d?.accessedSecrets && <span>secrets read: <code>{d.accessedSecrets.join(', ')}</code></span>}
      </p>
      <h2>Changes</h2>
      <ChangesTable changes={changes} />
      <div class="two">
        <div>
          <h2>Request</h2>
          <Json value={d?.request} label="Request" />
        </div>
        <div>
          <h2>Response</h2>
          <Json value={d?.response} label="Response" />
        </div>
      </div>
    </div>
  );
}

/** The current search as a file: GET /api/v2/logs/export streams it; the browser saves it. */
function Export(props: { q: string }) {
  const [busy, setBusy] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();
  async function download(format: 'ndjson' | 'csv') {
    setBusy(format);
    setError(undefined);
    try {
      const res = await api('/logs/export', { params: { q: props.q, format } });
      const blob = await res.blob();
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `audit-log.${format}`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'Error', String(err), undefined));
    } finally {
      setBusy(undefined);
    }
  }
  return (
    <div class="export" role="group" aria-label="Export the current search">
      <button type="button" class="secondary" disabled={busy !== undefined} onClick={() => download('ndjson')}>{busy === 'ndjson' ? 'Exporting…' : 'Export NDJSON'}</button>
      <button type="button" class="secondary" disabled={busy !== undefined} onClick={() => download('csv')}>{busy === 'csv' ? 'Exporting…' : 'Export CSV'}</button>
      <ErrorBox error={error} />
    </div>
  );
}
