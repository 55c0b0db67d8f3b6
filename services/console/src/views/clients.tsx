import { useEffect, useState } from 'preact/hooks';
import { ApiError, apiJson } from '../api.js';
import { linkProps } from '../router.js';
import type { Client } from '../../../../shared/clients/schema.js';
import type { ClientVersion } from '../../../../shared/client-history/version.js';
import { Badge, ChangesTable, ErrorBox, formatDate, Json, show } from './parts.js';

type ClientView = Partial<Client> & { client_id: string };
interface ClientsPage {
  total: number;
  start: number;
  limit: number;
  clients: ClientView[];
}

const PER_PAGE = 25;
// Reads leave the secrets out: they travel only when asked for (Reveal), as an audited read.
const WITHOUT_SECRETS = { fields: 'client_secret,encryption_key', include_fields: false };
const APP_TYPES = ['', 'spa', 'native', 'regular_web', 'non_interactive'];

export function ClientList() {
  const [page, setPage] = useState(0);
  const [appType, setAppType] = useState('');
  const [firstParty, setFirstParty] = useState('');
  const [name, setName] = useState('');
  const [result, setResult] = useState<ClientsPage | undefined>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    let live = true;
    setLoading(true);
    setError(undefined);
    apiJson<ClientsPage>('/clients', {
      params: { ...WITHOUT_SECRETS, page, per_page: PER_PAGE, include_totals: true, app_type: appType || undefined, is_first_party: firstParty || undefined },
    })
      .then((r) => live && setResult(r))
      .catch((err: unknown) => live && (setError(err), setResult(undefined)))
      .finally(() => live && setLoading(false));
    return () => void (live = false);
  }, [page, appType, firstParty]);

  const needle = name.trim().toLowerCase();
  const shown = (result?.clients ?? []).filter((c) => !needle || (c.name ?? '').toLowerCase().includes(needle) || c.client_id.toLowerCase().includes(needle));
  const pages = result ? Math.max(1, Math.ceil(result.total / PER_PAGE)) : 1;
  return (
    <section aria-labelledby="clients-title">
      <h1 id="clients-title" tabIndex={-1}>Clients</h1>
      <form class="filters" role="search" aria-label="Filter clients" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="c-name">Name or client id</label>
          <input id="c-name" type="search" name="client-search" value={name} onInput={(e) => setName(e.currentTarget.value)} aria-describedby="client-search-hint" />
        </div>
        <div class="field">
          <label for="c-type">Application type</label>
          <select id="c-type" value={appType} onChange={(e) => { setPage(0); setAppType(e.currentTarget.value); }}>
            {APP_TYPES.map((t) => <option key={t} value={t}>{t || 'Any'}</option>)}
          </select>
        </div>
        <div class="field">
          <label for="c-party">First party</label>
          <select id="c-party" value={firstParty} onChange={(e) => { setPage(0); setFirstParty(e.currentTarget.value); }}>
            <option value="">Any</option>
            <option value="true">First party</option>
            <option value="false">Third party</option>
          </select>
        </div>
        <span id="client-search-hint" class="hint">The name filter applies to the page shown; type and party are searched by the API.</span>
      </form>
      <ErrorBox error={error} />
      <p aria-live="polite" aria-atomic="true" class="count">
        {loading ? 'Loading…' : result ? `${result.total} ${result.total === 1 ? 'client' : 'clients'}${needle ? `, ${shown.length} on this page match "${name.trim()}"` : ''}.` : ''}
      </p>
      {shown.length > 0 && (
        <table class="results">
          <caption class="sr-only">Clients</caption>
          <thead>
            <tr><th scope="col">Name</th><th scope="col">Client id</th><th scope="col">Type</th><th scope="col">Party</th><th scope="col">Description</th></tr>
          </thead>
          <tbody>
            {shown.map((c) => (
              <tr key={c.client_id}>
                <td><a {...linkProps(`/clients/${encodeURIComponent(c.client_id)}`)}>{c.name || c.client_id}</a></td>
                <td><code>{c.client_id}</code></td>
                <td>{c.app_type ?? '—'}</td>
                <td>{c.is_first_party === false ? 'third' : 'first'}</td>
                <td>{c.description || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {result && result.total > PER_PAGE && (
        <nav class="pager" aria-label="Client pages">
          <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>Previous page</button>
          <span>Page {page + 1} of {pages}</span>
          <button type="button" disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>Next page</button>
        </nav>
      )}
    </section>
  );
}

const SETTINGS: Array<keyof Client> = [
  'name', 'description', 'app_type', 'is_first_party', 'token_endpoint_auth_method', 'grant_types', 'callbacks',
  'allowed_logout_urls', 'web_origins', 'allowed_origins', 'oidc_conformant', 'logo_uri', 'initiate_login_uri',
];

type Tab = 'settings' | 'history';

export function ClientDetail(props: { id: string }) {
  const [client, setClient] = useState<ClientView | undefined>();
  const [error, setError] = useState<unknown>();
  const [tab, setTab] = useState<Tab>('settings');

  useEffect(() => {
    let live = true;
    setClient(undefined);
    setError(undefined);
    setTab('settings');
    apiJson<ClientView>(`/clients/${encodeURIComponent(props.id)}`, { params: WITHOUT_SECRETS })
      .then((c) => live && setClient(c))
      .catch((err: unknown) => {
        if (!live) return;
        setError(err);
        // A deleted client has no current state, but its history is kept: show that instead.
        if (err instanceof ApiError && err.statusCode === 404) setTab('history');
      });
    return () => void (live = false);
  }, [props.id]);

  const gone = error instanceof ApiError && error.statusCode === 404;
  const title = client?.name || props.id;
  const tabs: Array<[Tab, string]> = [['settings', 'Settings'], ['history', 'History']];
  return (
    <section aria-labelledby="client-title">
      <p class="crumbs"><a {...linkProps('/clients')}>Clients</a> /</p>
      <h1 id="client-title" tabIndex={-1}>{title}</h1>
      {gone ? <p class="notice" role="status">This client does not exist now (it was deleted, or never created); its history is kept.</p> : <ErrorBox error={error} />}
      <p>
        <code>{props.id}</code> · <a {...linkProps(`/logs?target=${encodeURIComponent(props.id)}`)}>History in the audit log</a>
      </p>
      <div role="tablist" aria-label="Client views" class="tabs" onKeyDown={(e) => {
        // Arrow keys move between tabs, as the ARIA tabs pattern has it.
        if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
        const next = tab === 'settings' ? 'history' : 'settings';
        setTab(next);
        document.getElementById(`tab-${next}`)?.focus();
      }}>
        {tabs.map(([id, label]) => (
          <button key={id} type="button" role="tab" id={`tab-${id}`} aria-selected={tab === id} aria-controls={`panel-${id}`} tabIndex={tab === id ? 0 : -1} onClick={() => setTab(id)}>
            {label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'settings' ? client && <ClientSettings id={props.id} client={client} /> : <ClientHistory id={props.id} />}
      </div>
    </section>
  );
}

function ClientSettings(props: { id: string; client: ClientView }) {
  const { client } = props;
  const [secret, setSecret] = useState<string | undefined>();
  const [secretError, setSecretError] = useState<unknown>();
  const [revealing, setRevealing] = useState(false);

  async function reveal() {
    setRevealing(true);
    setSecretError(undefined);
    try {
      const c = await apiJson<ClientView>(`/clients/${encodeURIComponent(props.id)}`, { params: { fields: 'client_id,client_secret', include_fields: true } });
      if (typeof c.client_secret === 'string') setSecret(c.client_secret);
      else setSecretError(new Error('The answer carries no client_secret: the token needs the read:client_keys scope'));
    } catch (err) {
      setSecretError(err);
    } finally {
      setRevealing(false);
    }
  }

  return (
    <>
      <h2>Client secret</h2>
      <div class="secret" aria-live="polite">
        {secret === undefined ? (
          <button type="button" onClick={reveal} disabled={revealing} aria-describedby="secret-hint">
            {revealing ? 'Revealing…' : 'Reveal secret'}
          </button>
        ) : (
          <>
            <code class="secret-value" data-testid="client-secret">{secret}</code>{' '}
            <button type="button" class="secondary" onClick={() => setSecret(undefined)}>Hide secret</button>
          </>
        )}
        <p id="secret-hint" class="hint">Needs the read:client_keys scope; every reveal is recorded in the audit log (mgmt_api_read).</p>
        <ErrorBox error={secretError} />
      </div>
      <h2>Settings</h2>
      <SettingsList client={client} />
    </>
  );
}

function SettingsList(props: { client: ClientView; label?: string }) {
  const { client } = props;
  return (
    <>
      <dl class="settings" aria-label={props.label}>
        {SETTINGS.filter((k) => client[k] !== undefined).map((k) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{Array.isArray(client[k]) ? ((client[k] as unknown[]).length ? (client[k] as unknown[]).map((v) => <code key={String(v)}>{show(v)}</code>) : '—') : show(client[k])}</dd>
          </div>
        ))}
      </dl>
      <details>
        <summary>Every field (JSON, without secrets)</summary>
        <Json value={client} label="The client as JSON" />
      </details>
    </>
  );
}

interface VersionsPage {
  total: number;
  start: number;
  limit: number;
  versions: ClientVersion[];
}

const VERSIONS_PER_PAGE = 20;

/**
 * GET /clients/{id}/versions page by page (deleted clients included), each version's changed
 * fields before/after (secrets as the API redacts them), and the client as of a version
 * (GET /clients/{id}?as_of=N, secrets left out as in every other read).
 */
function ClientHistory(props: { id: string }) {
  const [page, setPage] = useState(0);
  const [result, setResult] = useState<VersionsPage | undefined>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(false);
  const [asOf, setAsOf] = useState<{ version: number; client?: ClientView; error?: unknown } | undefined>();

  useEffect(() => {
    let live = true;
    setLoading(true);
    setError(undefined);
    apiJson<VersionsPage>(`/clients/${encodeURIComponent(props.id)}/versions`, { params: { page, per_page: VERSIONS_PER_PAGE, include_totals: true } })
      .then((r) => live && setResult(r))
      .catch((err: unknown) => live && (setError(err), setResult(undefined)))
      .finally(() => live && setLoading(false));
    return () => void (live = false);
  }, [props.id, page]);

  // The view opens below the list: bring it into view and focus for keyboard and screen-reader users.
  useEffect(() => {
    if (asOf) document.getElementById('as-of-title')?.focus();
  }, [asOf?.version]);

  async function viewAsOf(version: number) {
    setAsOf({ version });
    try {
      const c = await apiJson<ClientView>(`/clients/${encodeURIComponent(props.id)}`, { params: { ...WITHOUT_SECRETS, as_of: version } });
      setAsOf({ version, client: c });
    } catch (err) {
      setAsOf({ version, error: err });
    }
  }

  const pages = result ? Math.max(1, Math.ceil(result.total / VERSIONS_PER_PAGE)) : 1;
  return (
    <>
      <h2>History</h2>
      <ErrorBox error={error} />
      <p aria-live="polite" aria-atomic="true" class="count" id="versions-count">
        {loading ? 'Loading…' : result ? `${result.total} ${result.total === 1 ? 'version' : 'versions'}. Recent changes may take a moment to appear.` : ''}
      </p>
      {result && result.versions.length > 0 && (
        <ol class="versions">
          {result.versions.map((v) => (
            <li key={v.version} data-version={v.version} aria-labelledby={`version-${v.version}`}>
              <h3 id={`version-${v.version}`}>
                Version {v.version} · <code>{v.type}</code>
                {v.deleted && <> · <Badge kind="fapi">deleted</Badge></>}
              </h3>
              <p class="meta">
                <span>{formatDate(v.date)}</span>
                <span>by {v.actor.name || v.actor.user_id || v.actor.client_id || 'unknown'}</span>
                {v.actor.request_id && <span>request <code>{v.actor.request_id}</code></span>}
              </p>
              {v.type === 'client.created' || v.type === 'client.deleted' ? (
                // Every field is set at creation and removed at deletion: folded, so the changes between stay in view.
                <details>
                  <summary>{v.changes.length} fields {v.type === 'client.created' ? 'set at creation' : 'removed at deletion'}</summary>
                  <ChangesTable changes={v.changes} caption={`Version ${v.version}: field changes, before and after`} />
                </details>
              ) : (
                <ChangesTable changes={v.changes} caption={`Version ${v.version}: field changes, before and after`} />
              )}
              {!v.deleted && (
                <button type="button" class="secondary compact" onClick={() => void viewAsOf(v.version)} aria-controls="as-of">
                  View as of version {v.version}
                </button>
              )}
            </li>
          ))}
        </ol>
      )}
      {result && result.total > VERSIONS_PER_PAGE && (
        <nav class="pager" aria-label="Version pages">
          <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>Previous page</button>
          <span>Page {page + 1} of {pages}</span>
          <button type="button" disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>Next page</button>
        </nav>
      )}
      <div id="as-of" aria-live="polite">
        {asOf && (
          <section class="as-of" aria-labelledby="as-of-title">
            <h2 id="as-of-title" tabIndex={-1}>As of version {asOf.version}</h2>
            <ErrorBox error={asOf.error} />
            {!asOf.client && !asOf.error && <p>Loading…</p>}
            {asOf.client && <SettingsList client={asOf.client} label={`Settings as of version ${asOf.version}`} />}
            <button type="button" class="secondary" onClick={() => setAsOf(undefined)}>Close</button>
          </section>
        )}
      </div>
    </>
  );
}
