import { useEffect, useState } from 'preact/hooks';
import { apiJson } from '../api.js';
import { linkProps } from '../router.js';
import type { Client } from '../../../../shared/clients/schema.js';
import { ErrorBox, Json, show } from './parts.js';

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

export function ClientDetail(props: { id: string }) {
  const [client, setClient] = useState<ClientView | undefined>();
  const [error, setError] = useState<unknown>();
  const [secret, setSecret] = useState<string | undefined>();
  const [secretError, setSecretError] = useState<unknown>();
  const [revealing, setRevealing] = useState(false);

  useEffect(() => {
    let live = true;
    setClient(undefined);
    setSecret(undefined);
    apiJson<ClientView>(`/clients/${encodeURIComponent(props.id)}`, { params: WITHOUT_SECRETS })
      .then((c) => live && setClient(c))
      .catch((err: unknown) => live && setError(err));
    return () => void (live = false);
  }, [props.id]);

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

  const title = client?.name || props.id;
  return (
    <section aria-labelledby="client-title">
      <p class="crumbs"><a {...linkProps('/clients')}>Clients</a> /</p>
      <h1 id="client-title" tabIndex={-1}>{title}</h1>
      <ErrorBox error={error} />
      {client && (
        <>
          <p>
            <code>{client.client_id}</code> ·{' '}
            <a {...linkProps(`/logs?target=${encodeURIComponent(client.client_id)}`)}>History in the audit log</a>
          </p>
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
          <dl class="settings">
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
      )}
    </section>
  );
}
