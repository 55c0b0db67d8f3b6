import { diff, diffClientStates, REDACTED, type FieldChange, toClientResponse, type Applied, type ClientEventRecord, type ClientEventType, type ClientState } from '../clients/index.js';
import type { AuditEntry } from './entry.js';
import type { EventMeta } from '../events/index.js';
import { makeLogId } from './log-id.js';
import { presentLogStream, type Applied as LogStreamApplied, type LogStreamEventRecord, type LogStreamEventType, type LogStreamState } from '../log-streams/index.js';
import { describeOperation } from './operations.js';
import { redactSecrets } from './redact.js';
import type { RequestRecord } from './request-record.js';
import { presentClientGrant, presentResourceServer, type TenantEventType, type TenantEventRecord, type TenantResourceState, type Applied as TenantApplied } from '../tenant/index.js';

/** The status the API answered with when a client event took effect. */
export const CLIENT_EVENT_STATUS: Record<ClientEventType, number> = { 'client.created': 201, 'client.updated': 200, 'client.deleted': 204, 'client.secret_rotated': 200 };

// Entries are built as single literals with every key written out, never with object spread:
// V8 turns a literal with a spread into a slow-path copy (measured: 48 -> 17 µs per client entry),
// and the audit writer builds one per action.

/**
 * The client as the caller saw it, secrets as "REDACTED". The config never holds secrets (they
 * live sealed beside it), so a shallow copy with the secret fields set is enough: this runs once
 * per audit entry.
 */
function redactedClient(state: ClientState): Record<string, unknown> {
  // toClientResponse makes a fresh object: adding to it spares a second copy.
  const client = toClientResponse(state, { showSecrets: false, openSecret: () => REDACTED }) as Record<string, unknown>;
  client.client_secret = REDACTED;
  if (state.encryption_key_sealed !== undefined) client.encryption_key = REDACTED;
  return client;
}

/** A changed field with its before/after values, secrets as "REDACTED". */
export type Change = { field: string; before?: unknown; after?: unknown };

/** A diff's change as the entry names it (`field` for `path`), keys in the same order. */
function asChange(c: FieldChange): Change {
  const out: Change = { field: c.path };
  if ('before' in c) out.before = c.before;
  if ('after' in c) out.after = c.after;
  return out;
}

/**
 * The success entry (sapi) of an applied domain event, whichever topic it came from. `source`
 * names the topic in the log id (unchanged per topic: ids must stay stable across releases).
 */
function appliedEntry(
  source: 'clients.events' | 'log-streams.events' | 'tenant.events',
  rec: { id: string; time: string; meta: EventMeta },
  description: string,
  target: { id: string; name: string },
  details: AuditEntry['details'],
): AuditEntry {
  const { meta } = rec;
  return {
    hostname: '', audience: '', connection: '', connection_id: '', organization_id: '', strategy: '', strategy_type: '',
    log_id: makeLogId(Date.parse(rec.time), `${source}:${rec.id}`),
    date: new Date(rec.time).toISOString(),
    type: 'sapi',
    description,
    client_id: meta.actorclient,
    client_name: '',
    user_id: meta.actor,
    user_name: meta.actorname,
    ip: meta.ip,
    user_agent: meta.useragent,
    target_client_id: target.id,
    target_client_name: target.name,
    scope: '',
    details,
  };
}

/**
 * Field changes with before/after, secrets redacted: what an audit entry and a client version
 * show. An update names its changed fields, so only those are compared (the hot path: most events
 * are updates); other events diff the whole states.
 */
export function clientEventChanges(rec: ClientEventRecord, applied: Applied): Change[] {
  const { event } = rec;
  if (event.type !== 'client.updated' || !applied.before || !applied.after) {
    return diffClientStates(applied.before, applied.after).map(asChange);
  }
  const keys = Object.keys(event.data.changes);
  const pick = (s: ClientState) => {
    const config = s.config as Record<string, unknown>;
    const view: Record<string, unknown> = {};
    for (const k of keys) view[k] = config[k];
    if (event.data.client_secret_sealed !== undefined) view.client_secret = s.client_secret_sealed;
    if (event.data.encryption_key_sealed !== undefined) view.encryption_key = s.encryption_key_sealed;
    return view;
  };
  return diff(pick(applied.before), pick(applied.after)).map(asChange);
}

/**
 * The success entry (sapi) for an applied clients.events record, with a redacted before/after
 * diff. A conflict produces no entry: the API re-decides and appends again, so the action is
 * recorded once, by the event that took effect (or by a failure entry if it never did).
 */
export function entryFromClientEvent(rec: ClientEventRecord, applied: Applied): AuditEntry | undefined {
  if (applied.verdict !== 'applied') return undefined;
  const { event, meta } = rec;
  const target = applied.after ?? applied.before;
  const changes = clientEventChanges(rec, applied);
  const secretsChanged = changes.filter((c) => c.field === 'client_secret' || c.field === 'encryption_key').map((c) => c.field);
  // The answer the caller got, as Auth0 logs it: the client with its secrets redacted.
  const responseBody = event.type === 'client.deleted' || !applied.after ? undefined : redactedClient(applied.after);
  const requestBody = event.type === 'client.created' ? event.data.client : event.type === 'client.updated' ? event.data.changes : undefined;
  const details: AuditEntry['details'] = {
    request: { method: meta.method.toLowerCase(), path: meta.path, query: {}, body: redactSecrets(requestBody) },
    response: { statusCode: CLIENT_EVENT_STATUS[event.type], body: responseBody },
  };
  if (secretsChanged.length > 0) details.accessedSecrets = secretsChanged;
  details.changes = changes;
  details.verdict = 'applied';
  return appliedEntry('clients.events', rec, describeOperation(meta.method, meta.path), { id: event.client_id, name: target?.config.name ?? '' }, details);
}

export const TYPE_OF_OUTCOME = { failure: 'fapi', secrets_read: 'mgmt_api_read', token_issued: 'seccft', token_refused: 'feccft' } as const satisfies Record<RequestRecord['outcome'], AuditEntry['type']>;

/** Auth0's descriptions of a client credentials exchange; a refusal is described by its reason. */
function describeRequest(r: RequestRecord): string {
  if (r.outcome === 'token_issued') return 'Client Credentials for Access Token';
  if (r.outcome === 'token_refused') {
    const body = r.response_body as { error_description?: unknown } | undefined;
    return typeof body?.error_description === 'string' ? body.error_description : 'Failed exchange of Client Credentials for Access Token';
  }
  return describeOperation(r.meta.method, r.meta.path);
}

/**
 * A failure (fapi), secret-revealing read (mgmt_api_read) or token exchange (seccft/feccft) entry
 * from an audit.requests record.
 */
export function entryFromRequestRecord(id: string, time: string, r: RequestRecord, targetName: string): AuditEntry {
  const exchange = r.outcome === 'token_issued' || r.outcome === 'token_refused';
  const details: AuditEntry['details'] = {
    request: { method: r.meta.method.toLowerCase(), path: r.meta.path, query: r.query, body: redactSecrets(r.body) },
    response: { statusCode: r.status, body: redactSecrets(r.response_body) },
  };
  if (r.accessed_secrets.length > 0) details.accessedSecrets = r.accessed_secrets;
  return {
    hostname: '', audience: r.audience ?? '', connection: '', connection_id: '', organization_id: '', strategy: '', strategy_type: '',
    log_id: makeLogId(Date.parse(time), `audit.requests:${id}`),
    date: new Date(time).toISOString(),
    type: TYPE_OF_OUTCOME[r.outcome],
    description: describeRequest(r),
    client_id: r.meta.actorclient,
    // In an exchange the caller is the client the token is for.
    client_name: exchange ? targetName : '',
    user_id: r.meta.actor,
    user_name: r.meta.actorname,
    ip: r.meta.ip,
    user_agent: r.meta.useragent,
    target_client_id: r.target_client_id,
    target_client_name: targetName,
    scope: r.scope,
    details,
  };
}

const STREAM_DESCRIPTION: Record<LogStreamEventType, string> = {
  'log_stream.created': 'Create a log stream',
  'log_stream.updated': 'Update a log stream',
  'log_stream.suspended': 'Suspend a log stream',
  'log_stream.deleted': 'Delete a log stream',
};

/**
 * The sapi entry for an applied log-streams.events record, derived like a client's: from the
 * event that took effect, so a change is in the trail exactly when it happened (the exporter's
 * suspensions included). Sink secrets are sealed in the state and show only as REDACTED changes.
 */
export function entryFromLogStreamEvent(rec: LogStreamEventRecord, applied: LogStreamApplied): AuditEntry | undefined {
  if (applied.verdict !== 'applied') return undefined;
  const { event, meta } = rec;
  const target = applied.after ?? applied.before;
  const view = (s: LogStreamState | undefined) => (s && !s.deleted ? (s as unknown as Record<string, unknown>) : undefined);
  const changes = diff(view(applied.before), view(applied.after)).map(asChange);
  return appliedEntry('log-streams.events', rec, STREAM_DESCRIPTION[event.type], { id: '', name: '' }, {
    request: { method: meta.method.toLowerCase(), path: meta.path, query: {}, body: redactSecrets(event.data) },
    response: { statusCode: event.type === 'log_stream.deleted' ? 204 : 200, body: applied.after && !applied.after.deleted ? presentLogStream(applied.after) : undefined },
    changes,
    verdict: 'applied',
    log_stream: { id: event.stream_id, name: target?.name ?? '' },
  });
}

/** The status the API answered with when a tenant.events record took effect. */
export const TENANT_EVENT_STATUS: Record<TenantEventType, number> = {
  'resource_server.created': 201, 'resource_server.updated': 200, 'resource_server.deleted': 204,
  'client_grant.created': 201, 'client_grant.updated': 200, 'client_grant.deleted': 204,
  'tenant_settings.updated': 200,
  'signing_keys.initialised': 201, 'signing_keys.rotated': 201, 'signing_keys.revoked': 200,
};
const TENANT_DESCRIPTION: Record<TenantEventType, string> = {
  'resource_server.created': 'Create a resource server', 'resource_server.updated': 'Update a resource server', 'resource_server.deleted': 'Delete a resource server',
  'client_grant.created': 'Create client grant', 'client_grant.updated': 'Update client grant', 'client_grant.deleted': 'Delete client grant',
  'tenant_settings.updated': 'Update tenant settings',
  'signing_keys.initialised': 'Generate the application signing keys', 'signing_keys.rotated': 'Rotate the Application Signing Key', 'signing_keys.revoked': 'Revoke an Application Signing Key by its key id',
};

/** What a tenant resource shows in the trail: the API's object; keys without their sealed private half. */
function tenantView(s: TenantResourceState | undefined): Record<string, unknown> | undefined {
  if (!s || s.deleted) return undefined;
  switch (s.kind) {
    case 'resource_server': return presentResourceServer(s);
    case 'client_grant': return presentClientGrant(s);
    case 'tenant_settings': return { ...s.data };
    case 'signing_keys': return { current_kid: s.data.current_kid, next_kid: s.data.next_kid, keys: s.data.keys.map(({ private_key_sealed: _sealed, cert: _cert, ...k }) => k) };
  }
}

/**
 * The sapi entry for an applied tenant.events record, derived from the event that took effect.
 * Key material never enters it: private keys are sealed on the event and redacted here with every
 * other `*_sealed` value, and certificates (public, but bulky) are left out.
 */
export function entryFromTenantEvent(rec: TenantEventRecord, applied: TenantApplied): AuditEntry | undefined {
  if (applied.verdict !== 'applied') return undefined;
  const { event, meta } = rec;
  const changes = diff(tenantView(applied.before), tenantView(applied.after)).map(asChange);
  const body = redactSecrets(event.data) as Record<string, unknown>;
  const grantClient = applied.after?.kind === 'client_grant' ? applied.after.data.client_id : applied.before?.kind === 'client_grant' ? applied.before.data.client_id : '';
  return appliedEntry('tenant.events', rec, TENANT_DESCRIPTION[event.type], { id: grantClient, name: '' }, {
    request: { method: meta.method.toLowerCase(), path: meta.path, query: {}, body: stripCerts(body) },
    response: { statusCode: TENANT_EVENT_STATUS[event.type], body: tenantView(applied.after) },
    changes,
    verdict: 'applied',
    tenant_resource: { kind: (applied.after ?? applied.before)?.kind ?? '', id: event.subject },
  });
}

/** Key records in an event body without their certificate text. */
function stripCerts(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripCerts);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (k !== 'cert') out[k] = stripCerts(v);
  return out;
}
