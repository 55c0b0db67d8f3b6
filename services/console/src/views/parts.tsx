import type { ComponentChildren } from 'preact';
import { ApiError } from '../api.js';

/** An API error as Auth0 words it: its message and errorCode. */
export function ErrorBox(props: { error: unknown }) {
  const err = props.error;
  if (err === undefined || err === null) return null;
  const api = err instanceof ApiError ? err : undefined;
  return (
    <div class="error" role="alert">
      <strong>{api ? `${api.statusCode || ''} ${api.error}`.trim() : 'Error'}:</strong> {api ? api.message : String(err)}
      {api?.errorCode && <> <code class="errcode">{api.errorCode}</code></>}
    </div>
  );
}

export function Json(props: { value: unknown; label: string }) {
  return (
    <pre class="json" aria-label={props.label} tabIndex={0}>
      <code>{props.value === undefined ? '(none)' : JSON.stringify(props.value, null, 2)}</code>
    </pre>
  );
}

/** A value shown in a table cell: text as is, anything else as compact JSON. */
export function show(value: unknown): string {
  if (value === undefined) return '—';
  if (value === null) return 'null';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function formatDate(value: unknown): string {
  if (typeof value !== 'string') return show(value);
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  return d.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}

export function Badge(props: { kind: string; children: ComponentChildren }) {
  return <span class={`badge badge-${props.kind}`}>{props.children}</span>;
}

/** One field's change, as an audit entry's details.changes and a client version's changes carry it (secrets "REDACTED"). */
export interface FieldChange {
  field: string;
  before?: unknown;
  after?: unknown;
}

/** A before/after table of changed fields. */
export function ChangesTable(props: { changes: FieldChange[]; caption?: string }) {
  if (props.changes.length === 0) return <p>No field changed.</p>;
  return (
    <table class="diff">
      <caption class="sr-only">{props.caption ?? 'Field changes, before and after'}</caption>
      <colgroup><col class="field" /><col /><col /></colgroup>
      <thead>
        <tr><th scope="col">Field</th><th scope="col">Before</th><th scope="col">After</th></tr>
      </thead>
      <tbody>
        {props.changes.map((c) => (
          <tr key={c.field}>
            <th scope="row"><code>{c.field}</code></th>
            <td class="before">{'before' in c ? <del>{show(c.before)}</del> : <em>(not set)</em>}</td>
            <td class="after">{'after' in c ? <ins>{show(c.after)}</ins> : <em>(removed)</em>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
