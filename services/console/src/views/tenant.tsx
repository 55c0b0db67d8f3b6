import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { apiJson } from '../api.js';
import { linkProps } from '../router.js';
import type { ResourceServerResponse, SigningKeyResponse } from '../../../../shared/tenant/schema.js';
import { Badge, ErrorBox, formatDate } from './parts.js';

interface Grant {
  id: string;
  client_id: string;
  audience: string;
  scope: string[];
}

type Column<T> = [label: string, cell: (row: T) => ComponentChildren];

const PER_PAGE = 50;

/**
 * One read-only list of the Management API: paged with Auth0's page/per_page/include_totals when
 * `itemsKey` names the answer's list, a plain array otherwise. Each list loads on its own, so a
 * token without one list's scope still sees the others (the 403 shows in that section only).
 */
function ReadList<T>(props: { title: string; path: string; itemsKey?: string; rowKey: (row: T) => string; columns: Array<Column<T>>; hint?: ComponentChildren }) {
  const [page, setPage] = useState(0);
  const [rows, setRows] = useState<T[] | undefined>();
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<unknown>();
  const id = props.title.toLowerCase().replace(/\W+/g, '-');

  useEffect(() => {
    let live = true;
    setError(undefined);
    const params = props.itemsKey ? { page, per_page: PER_PAGE, include_totals: true } : {};
    apiJson<unknown>(props.path, { params })
      .then((answer) => {
        if (!live) return;
        const a = answer as Record<string, unknown>;
        const list = (props.itemsKey ? a[props.itemsKey] : answer) as T[];
        setRows(list);
        setTotal(props.itemsKey && typeof a.total === 'number' ? a.total : list.length);
      })
      .catch((err: unknown) => live && (setError(err), setRows(undefined)));
    return () => void (live = false);
  }, [props.path, page]);

  const pages = Math.max(1, Math.ceil(total / PER_PAGE));
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{props.title}</h2>
      {props.hint && <p class="hint">{props.hint}</p>}
      <ErrorBox error={error} />
      {rows && (
        <table class="results" data-testid={`list-${id}`}>
          <caption class="sr-only">{props.title}</caption>
          <thead>
            <tr>{props.columns.map(([label]) => <th key={label} scope="col">{label}</th>)}</tr>
          </thead>
          <tbody>
            {rows.length === 0 && <tr><td colSpan={props.columns.length}>None.</td></tr>}
            {rows.map((row) => (
              <tr key={props.rowKey(row)}>{props.columns.map(([label, cell]) => <td key={label}>{cell(row)}</td>)}</tr>
            ))}
          </tbody>
        </table>
      )}
      {total > PER_PAGE && (
        <nav class="pager" aria-label={`${props.title} pages`}>
          <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>Previous page</button>
          <span>Page {page + 1} of {pages}</span>
          <button type="button" disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>Next page</button>
        </nav>
      )}
    </section>
  );
}

function codes(values: string[]): ComponentChildren {
  if (values.length === 0) return '—';
  const list = <span class="codes">{values.map((v) => <code key={v}>{v}</code>)}</span>;
  // A long list (the Management API's own scopes) folds, so the other columns keep their room.
  return values.length <= 6 ? list : <details><summary>{values.length} scopes</summary>{list}</details>;
}

function keyState(k: SigningKeyResponse): string {
  if (k.revoked) return 'revoked';
  if (k.current) return 'current';
  if (k.next) return 'next';
  return k.previous ? 'previous' : 'published';
}

/** The tenant's APIs, client grants and signing keys, read only (changes go through the API). */
export function Tenant() {
  return (
    <section aria-labelledby="tenant-title">
      <h1 id="tenant-title" tabIndex={-1}>APIs, grants and keys</h1>
      <p class="hint">Read only. Changes are made with the Management API and recorded in the audit log.</p>
      <ReadList<ResourceServerResponse>
        title="APIs"
        path="/resource-servers"
        itemsKey="resource_servers"
        rowKey={(r) => r.id}
        hint="Needs read:resource_servers. The Management API itself is listed first."
        columns={[
          ['Name', (r) => <>{r.name}{r.is_system && <> <Badge kind="system">system</Badge></>}</>],
          ['Identifier (audience)', (r) => <code>{r.identifier}</code>],
          ['Scopes', (r) => codes(r.scopes.map((s) => s.value))],
          ['Token lifetime', (r) => `${r.token_lifetime} s`],
        ]}
      />
      <ReadList<Grant>
        title="Client grants"
        path="/client-grants"
        itemsKey="client_grants"
        rowKey={(g) => g.id}
        hint="Needs read:client_grants. A client gets a token for an API only through a grant on it."
        columns={[
          ['Client', (g) => <a {...linkProps(`/clients/${encodeURIComponent(g.client_id)}`)}><code>{g.client_id}</code></a>],
          ['Audience', (g) => <code>{g.audience}</code>],
          ['Scopes', (g) => codes(g.scope)],
        ]}
      />
      <ReadList<SigningKeyResponse>
        title="Signing keys"
        path="/keys/signing"
        rowKey={(k) => k.kid}
        hint="Needs read:signing_keys. Public parts only: private keys never leave the server."
        columns={[
          ['Key id', (k) => <code>{k.kid}</code>],
          ['State', (k) => <Badge kind={keyState(k)}>{keyState(k)}</Badge>],
          ['Current since', (k) => (k.current_since ? formatDate(k.current_since) : '—')],
          ['Revoked at', (k) => (k.revoked_at ? formatDate(k.revoked_at) : '—')],
          ['SHA-1 fingerprint', (k) => <code>{k.fingerprint}</code>],
        ]}
      />
    </section>
  );
}
