// Generated client commands for end-to-end audit tests, and their execution through the real API
// with one unique User-Agent per request, so each request's audit entry can be found exactly.
//
// Bodies are derived from the request schemas themselves (shared/clients/schema.ts): every field
// ClientCreateSchema / ClientUpdateSchema accept is generated (by arbitraryOf, with odd text and
// Auth0 URL formats), free-form objects are taken to their exact depth limit (FREE_FORM_LIMITS),
// then each body is repaired against the schema (a field the schema or a cross-field rule refuses
// is dropped) so "accepted" bodies are accepted by construction, whatever the schema grows.
// Refused requests are valid commands broken in one known way.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { z } from 'zod';
import { ClientCreateSchema, ClientUpdateSchema, FREE_FORM_LIMITS } from '../../shared/clients/index.js';
import { REQUEST_JSON_LIMITS } from '../../shared/http/json-limits.js';
import type { UrlFormat } from '../../shared/clients/urls.js';
import { arbitraryOf, type ArbitraryOptions } from './arbitraries.js';
import { acceptable, arbOddText, arbUrl, exactly } from './odd-text.js';
import type { TestApi } from './api.js';

type Body = Record<string, unknown>;

/** Free-form JSON with odd keys and strings, shallow: the depth limits are reached on purpose below. */
const arbOddJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthIdentifier: 'odd-json', maxDepth: 2 },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
    arbOddText({ maxLength: 30 }),
    fc.array(tie('value'), { maxLength: 3, depthIdentifier: 'odd-json' }),
    fc.dictionary(arbOddText({ minLength: 1, maxLength: 12 }), tie('value'), { maxKeys: 3, depthIdentifier: 'odd-json' }),
  ),
})).value;

const oddOptions: ArbitraryOptions = {
  text: arbOddText,
  refined: (params) => (typeof params.format === 'string' ? arbUrl(params.format as UrlFormat) : undefined),
  json: arbOddJson,
  accept: acceptable,
};

/** Every field a schema's object accepts, from the schema. */
export const CREATE_FIELDS: readonly string[] = Object.keys(ClientCreateSchema.shape);
export const UPDATE_FIELDS: readonly string[] = Object.keys(ClientUpdateSchema.shape);

/** `{k: {k: … leaf}}` (objects and arrays mixed) that is exactly `depth` containers deep. */
function chain(depth: number, keys: string[], leaf: unknown): unknown {
  let value: unknown = leaf;
  for (let i = depth; i >= 1; i--) value = i % 3 === 0 ? [value] : { [keys[i % keys.length] ?? 'k']: value };
  return value;
}

/** Adds a branch to every free-form object present so it nests exactly to its field's limit. */
function deepenFreeForm(body: Body, keys: string[], leaf: string, beyond = 0): Body {
  const out: Body = { ...body };
  for (const [field, limits] of Object.entries(FREE_FORM_LIMITS)) {
    const value = out[field];
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !limits) continue;
    // The field's own object is level 1; addons' values must be objects themselves (records).
    out[field] = { ...value, [`deep${keys[0] ?? ''}`]: chain(limits.maxDepth - 1 + beyond, keys, leaf) };
  }
  return out;
}

/** Drops what the schema refuses, field by field, until the body passes (or only `keep` is left). */
function repair(schema: z.ZodType, body: Body, keep: Body): Body {
  let current = { ...body };
  for (let i = 0; i < 60; i++) {
    const result = schema.safeParse(current);
    if (result.success) return current;
    const top = new Set(result.error.issues.map((issue) => issue.path[0]).filter((p): p is string => typeof p === 'string'));
    if (top.size === 0) return keep;
    for (const key of top) delete current[key];
    current = { ...current, ...Object.fromEntries(Object.entries(keep).filter(([key]) => top.has(key))) };
  }
  return keep;
}

function arbBody(schema: z.ZodType, keep: Body): fc.Arbitrary<Body> {
  return fc
    .tuple(
      arbitraryOf(schema as z.ZodType<Body>, oddOptions),
      fc.boolean(),
      fc.array(arbOddText({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 3 }),
      arbOddText({ maxLength: 20 }),
      fc.boolean(),
    )
    .chain(([full, deepen, keys, leaf, thirdParty]) =>
      fc.subarray(Object.keys(full)).map((picked) => {
        let body: Body = Object.fromEntries(picked.map((key) => [key, full[key]]));
        if ('name' in full) body.name = full.name;
        // A third-party client is reachable only by a combination the repair below would take
        // apart field by field (is_first_party false, no organization settings): made on purpose.
        if (thirdParty && 'third_party_security_mode' in full) {
          const { organization_usage: _u, organization_require_behavior: _b, ...rest } = body;
          body = { ...rest, is_first_party: false, third_party_security_mode: full.third_party_security_mode };
        }
        if (deepen) body = deepenFreeForm(body, keys, leaf);
        return repair(schema, body, keep);
      }),
    );
}

/** Keys the API refuses in any body (prototype poisoning): never in a body meant to be accepted. */
const PROTOTYPE_KEY = /"__proto__"\s*:|"constructor"\s*:\s*\{[^}]*"prototype"\s*:/;
const noPrototypeKeys = (body: Body): boolean => !PROTOTYPE_KEY.test(JSON.stringify(body));

/** Create bodies ClientCreateSchema accepts, with any of its fields. */
export const arbCreateBody: fc.Arbitrary<Body> = arbitraryOf(ClientCreateSchema.shape.name, oddOptions)
  .chain((name) => arbBody(ClientCreateSchema, { name }))
  .filter(noPrototypeKeys);
/** PATCH bodies ClientUpdateSchema accepts (the merged result may still break a cross-field rule: 400). */
export const arbUpdateBody: fc.Arbitrary<Body> = arbBody(ClientUpdateSchema, {}).filter(noPrototypeKeys);

/** One way of breaking a valid body, and the body it breaks. */
export type Breakage =
  | 'unknown-field' | 'name-with-angle-bracket' | 'description-too-long' | 'lone-surrogate' | 'nul-character'
  | 'free-form-too-deep' | 'body-too-deep' | 'wrong-type' | 'secret-where-not-allowed' | 'missing-name' | 'prototype-key';

const BREAKAGES: readonly Breakage[] = [
  'unknown-field', 'name-with-angle-bracket', 'description-too-long', 'lone-surrogate', 'nul-character',
  'free-form-too-deep', 'body-too-deep', 'wrong-type', 'secret-where-not-allowed', 'missing-name', 'prototype-key',
];

/** The body broken; `secret` is set when the break plants a secret the trail must not show. */
export function breakBody(body: Body, how: Breakage, on: 'create' | 'update', odd: string): { body: Body; secret?: string } {
  switch (how) {
    case 'unknown-field': {
      const fields = on === 'create' ? CREATE_FIELDS : UPDATE_FIELDS;
      const key = fields.includes(`x_${odd}`) ? `x_${odd}_` : `x_${odd}`;
      return { body: { ...body, [key]: odd } };
    }
    case 'name-with-angle-bracket': return { body: { ...body, name: `${odd}<script>` } };
    case 'description-too-long': return { body: { ...body, description: exactly(odd, 141) } };
    case 'lone-surrogate': return { body: { ...body, description: `${odd}\ud800` } };
    case 'nul-character': return { body: { ...body, name: `${odd}\u0000` } };
    case 'free-form-too-deep': return { body: deepenFreeForm({ ...body, addons: { samlp: {} } }, ['k'], odd, 1) };
    case 'body-too-deep': return { body: { ...body, jwt_configuration: { scopes: chain(REQUEST_JSON_LIMITS.maxDepth + 1, ['a', 'b'], odd) } } };
    case 'wrong-type': return { body: { ...body, name: 42 } };
    case 'secret-where-not-allowed': {
      // On create client_secret is not a field at all; on update it must not be empty, and a
      // non-string is refused with the value around it.
      const secret = `planted-secret-${randomUUID()}`;
      return on === 'create' ? { body: { ...body, client_secret: secret }, secret } : { body: { ...body, client_secret: secret, description: exactly(odd, 141) }, secret };
    }
    case 'prototype-key': return { body: { ...body, client_metadata: JSON.parse(`{"__proto__":${JSON.stringify(odd)}}`) as Body } };
    case 'missing-name': {
      if (on === 'create') {
        const { name: _name, ...rest } = body;
        return { body: rest };
      }
      return { body: { ...body, name: '' } };
    }
  }
}

/** What a command does; `target` picks one of the clients this sequence created (modulo). */
export type Command =
  | { kind: 'create'; body: Body }
  | { kind: 'patch'; target: number; body: Body }
  | { kind: 'delete'; target: number }
  | { kind: 'rotate'; target: number }
  | { kind: 'read'; target: number; keys: boolean }
  | { kind: 'list'; keys: boolean }
  | { kind: 'refused-create'; body: Body; how: Breakage }
  | { kind: 'refused-patch'; target: number; body: Body; how: Breakage }
  | { kind: 'unknown-client'; method: 'PATCH' | 'DELETE' | 'POST'; id: string }
  | { kind: 'unauthorized'; method: 'POST' | 'PATCH' | 'DELETE'; target: number }
  | { kind: 'forbidden'; method: 'POST' | 'PATCH' | 'DELETE'; target: number };

const ordinaryName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ._-]{0,30}$/);
const target = fc.nat({ max: 1000 });
const oddShort = arbOddText({ minLength: 1, maxLength: 12 });

/** Ordinary commands: what most traffic looks like. */
export const arbOrdinaryCommand: fc.Arbitrary<Command> = fc.oneof(
  { weight: 3, arbitrary: ordinaryName.map((name): Command => ({ kind: 'create', body: { name, app_type: 'regular_web', callbacks: ['https://app.example.com/callback'] } })) },
  { weight: 3, arbitrary: fc.tuple(target, ordinaryName).map(([t, d]): Command => ({ kind: 'patch', target: t, body: { description: d } })) },
  { weight: 1, arbitrary: target.map((t): Command => ({ kind: 'rotate', target: t })) },
  { weight: 1, arbitrary: target.map((t): Command => ({ kind: 'delete', target: t })) },
  { weight: 2, arbitrary: fc.tuple(target, fc.boolean()).map(([t, keys]): Command => ({ kind: 'read', target: t, keys })) },
  { weight: 1, arbitrary: fc.boolean().map((keys): Command => ({ kind: 'list', keys })) },
);

export const arbCreateCommand: fc.Arbitrary<Command> = arbCreateBody.map((body): Command => ({ kind: 'create', body }));

/** Generated commands: odd accepted bodies, every refusal, and ordinary commands mixed in. */
export const arbCommand: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: arbCreateCommand },
  { weight: 4, arbitrary: fc.tuple(target, arbUpdateBody).map(([t, body]): Command => ({ kind: 'patch', target: t, body })) },
  { weight: 1, arbitrary: target.map((t): Command => ({ kind: 'rotate', target: t })) },
  { weight: 1, arbitrary: target.map((t): Command => ({ kind: 'delete', target: t })) },
  { weight: 3, arbitrary: arbOrdinaryCommand },
  {
    weight: 2,
    arbitrary: fc.tuple(arbCreateBody, fc.constantFrom(...BREAKAGES), oddShort).map(([body, how, odd]): Command => ({ kind: 'refused-create', how, body: breakBody(body, how, 'create', odd).body })),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(target, arbUpdateBody, fc.constantFrom(...BREAKAGES), oddShort).map(([t, body, how, odd]): Command => ({ kind: 'refused-patch', target: t, how, body: breakBody(body, how, 'update', odd).body })),
  },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('PATCH' as const, 'DELETE' as const, 'POST' as const), oddShort).map(([method, id]): Command => ({ kind: 'unknown-client', method, id })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('POST' as const, 'PATCH' as const, 'DELETE' as const), target).map(([method, t]): Command => ({ kind: 'unauthorized', method, target: t })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('POST' as const, 'PATCH' as const, 'DELETE' as const), target).map(([method, t]): Command => ({ kind: 'forbidden', method, target: t })) },
);

/** What the trail must hold for one answered request. */
export interface Expectation {
  userAgent: string;
  command: Command['kind'];
  method: string;
  path: string;
  status: number;
  /** The entry type this request must leave exactly one of, or none. */
  entry: 'sapi' | 'fapi' | 'mgmt_api_read' | 'none';
  /** The client acted on, when it is a real one. */
  targetClientId?: string;
}

/** The statuses a command may be answered with; anything else fails the property. */
const ALLOWED: Record<Command['kind'], (status: number) => boolean> = {
  create: (s) => s === 201,
  patch: (s) => s === 200 || s === 400 || s === 404,
  delete: (s) => s === 204 || s === 404,
  rotate: (s) => s === 200 || s === 403 || s === 404,
  read: (s) => s === 200 || s === 404,
  list: (s) => s === 200,
  'refused-create': (s) => s === 400,
  'refused-patch': (s) => s === 400 || s === 404,
  'unknown-client': (s) => s === 400 || s === 404,
  unauthorized: (s) => s === 401,
  forbidden: (s) => s === 403,
};

export interface CommandRun {
  /** Unique per run: every User-Agent of the run starts with it. */
  prefix: string;
  expectations: Expectation[];
  /** Secret values that were answered or sent: none may appear in the trail. */
  secrets: Set<string>;
  clientIds: string[];
}

/** `prefix` lets several runs share one (e.g. `runPrefix('x') + 'w1-'`), to check them together. */
export function newRun(label: string, prefix = runPrefix(label)): CommandRun {
  return { prefix, expectations: [], secrets: new Set(), clientIds: [] };
}

export function runPrefix(label: string): string {
  return `apptrail-gen/${label}/${randomUUID()}/`;
}

/** Makes the secrets a body sends recognisable (unique) and notes them. */
function markSecrets(body: Body, run: CommandRun): Body {
  const out: Body = { ...body };
  if (typeof out.client_secret === 'string') {
    out.client_secret = `${out.client_secret}·secret-${randomUUID()}`;
    run.secrets.add(out.client_secret as string);
  }
  const key = out.encryption_key;
  if (typeof key === 'object' && key !== null && !Array.isArray(key)) {
    const marked: Body = {};
    // Replaced, not appended to: the field's size limit (FREE_FORM_LIMITS) must still hold.
    for (const [k, v] of Object.entries(key)) marked[k] = typeof v === 'string' ? `key-${randomUUID()}` : v;
    for (const v of Object.values(marked)) if (typeof v === 'string') run.secrets.add(v);
    out.encryption_key = marked;
  }
  return out;
}

function noteAnsweredSecrets(body: unknown, run: CommandRun): void {
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (typeof v !== 'object' || v === null) return;
    for (const [k, x] of Object.entries(v)) {
      if (k === 'client_secret' && typeof x === 'string' && x !== '') run.secrets.add(x);
      else visit(x);
    }
  };
  visit(body);
}

const WRITES = new Set(['POST', 'PATCH', 'DELETE']);

/** Sends one command with its own User-Agent; returns what the trail must show for it. */
export async function execute(api: TestApi, run: CommandRun, command: Command): Promise<Expectation> {
  const pick = (n: number): string | undefined => (run.clientIds.length === 0 ? undefined : run.clientIds[n % run.clientIds.length]);
  const missing = `gen-missing-${randomUUID().slice(0, 8)}`;
  const allScopes = undefined;
  let method: string;
  let path: string;
  let body: Body | undefined;
  let scope: string | undefined = allScopes;
  let token: string | null | undefined;
  let targetClientId: string | undefined;
  switch (command.kind) {
    case 'create':
    case 'refused-create':
      method = 'POST';
      path = '/api/v2/clients';
      body = command.body;
      break;
    case 'patch':
    case 'refused-patch':
      targetClientId = pick(command.target);
      method = 'PATCH';
      path = `/api/v2/clients/${encodeURIComponent(targetClientId ?? missing)}`;
      body = command.body;
      break;
    case 'delete':
      targetClientId = pick(command.target);
      method = 'DELETE';
      path = `/api/v2/clients/${encodeURIComponent(targetClientId ?? missing)}`;
      break;
    case 'rotate':
      targetClientId = pick(command.target);
      method = 'POST';
      path = `/api/v2/clients/${encodeURIComponent(targetClientId ?? missing)}/rotate-secret`;
      break;
    case 'read':
      targetClientId = pick(command.target);
      method = 'GET';
      path = `/api/v2/clients/${encodeURIComponent(targetClientId ?? missing)}`;
      scope = command.keys ? 'read:clients read:client_keys' : 'read:clients';
      break;
    case 'list':
      method = 'GET';
      path = '/api/v2/clients?per_page=5';
      scope = command.keys ? 'read:clients read:client_keys' : 'read:clients';
      break;
    case 'unknown-client':
      method = command.method;
      path = `/api/v2/clients/${encodeURIComponent(`${command.id}-${missing}`)}${command.method === 'POST' ? '/rotate-secret' : ''}`;
      body = command.method === 'PATCH' ? { description: command.id } : undefined;
      break;
    case 'unauthorized':
    case 'forbidden':
      targetClientId = command.method === 'POST' ? undefined : pick(command.target);
      method = command.method;
      path = command.method === 'POST' ? '/api/v2/clients' : `/api/v2/clients/${encodeURIComponent(targetClientId ?? missing)}`;
      body = command.method === 'DELETE' ? undefined : { name: 'denied' };
      if (command.kind === 'unauthorized') token = null;
      else scope = 'read:clients read:client_keys';
      break;
  }
  if (body !== undefined) body = markSecrets(body, run);
  const userAgent = `${run.prefix}${run.expectations.length}`;
  const bearer = token === null ? undefined : await api.token(scope);
  const res = await api.app.inject({
    method: method as 'GET',
    url: path,
    headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), 'user-agent': userAgent },
    // A JSON text of our own: lone surrogates and NUL must reach the server as sent.
    ...(body === undefined ? {} : { payload: JSON.stringify(body), headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), 'user-agent': userAgent, 'content-type': 'application/json' } }),
  });
  const answer: unknown = res.body ? JSON.parse(res.body) : undefined;
  noteAnsweredSecrets(answer, run);
  const status = res.statusCode;
  if (!ALLOWED[command.kind](status)) {
    throw new Error(`${command.kind}${'how' in command ? ` (${command.how})` : ''} ${method} ${path} answered ${status}: ${res.body.slice(0, 500)}\nbody: ${JSON.stringify(body)?.slice(0, 2000)}`);
  }
  if (command.kind === 'create' && status === 201) {
    const id = (answer as { client_id: string }).client_id;
    run.clientIds.push(id);
    targetClientId = id;
  }
  let entry: Expectation['entry'];
  if (WRITES.has(method)) entry = status < 300 ? 'sapi' : 'fapi';
  else {
    // A read is in the trail when it showed a secret (every client has one).
    const shown = Array.isArray(answer) ? answer.length > 0 : status === 200;
    entry = scope?.includes('read:client_keys') && status === 200 && shown ? 'mgmt_api_read' : 'none';
  }
  const expectation: Expectation = {
    userAgent, command: command.kind, method, path, status, entry,
    ...(targetClientId !== undefined && status !== 404 ? { targetClientId } : {}),
  };
  run.expectations.push(expectation);
  return expectation;
}

/** A short account of a command, for failure messages. */
export function describeCommand(c: Command): string {
  const json = (v: unknown) => {
    const s = JSON.stringify(v);
    return s.length > 300 ? `${s.slice(0, 300)}…(${s.length} chars)` : s;
  };
  return 'body' in c ? `${c.kind} ${json(c.body)}` : json(c);
}

export { acceptable };
