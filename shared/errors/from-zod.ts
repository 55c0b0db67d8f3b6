import { z } from 'zod';
import { Auth0Error } from './auth0-error.js';

// Turns zod issues into Auth0's validation errors. Auth0 reports one problem per answer, worded
// like its JSON-schema validator, naming the property and its documented description:
//   Payload validation error: 'String is too long (141 chars), maximum 140' on property
//   description (Description of this client (max character length: 140)).

/** Which part of the request failed: the body, the query string or the path parameters. */
export type ValidationTarget = 'body' | 'query' | 'path';

const TARGETS: Record<ValidationTarget, { prefix: string; errorCode: string }> = {
  body: { prefix: 'Payload validation error', errorCode: 'invalid_body' },
  query: { prefix: 'Query validation error', errorCode: 'invalid_query_string' },
  path: { prefix: 'Path validation error', errorCode: 'invalid_uri' },
};

export interface FromZodOptions {
  /** Default 'body'. */
  where?: ValidationTarget;
  /** The schema that failed; when given, the message adds the property's `.describe()` text. */
  schema?: z.core.$ZodType;
}

/**
 * The Auth0 400 for a failed parse. Pass `{where, schema}` to get the property's description in
 * the message, and parse with `{reportInput: true}` to get the offending value and lengths.
 */
export function fromZodError(err: { issues: readonly z.core.$ZodIssue[] }, options: ValidationTarget | FromZodOptions = 'body'): Auth0Error {
  return fromZodIssues(err.issues, options);
}

export function fromZodIssues(issues: readonly z.core.$ZodIssue[], options: ValidationTarget | FromZodOptions = 'body'): Auth0Error {
  const opts: FromZodOptions = typeof options === 'string' ? { where: options } : options;
  const target = TARGETS[opts.where ?? 'body'];
  const issue = issues[0];
  if (!issue) return new Auth0Error(400, `${target.prefix}.`, target.errorCode);
  // Cross-field rules already word their message around the fields they name.
  if (issue.code === 'custom' && issue.params?.['rule'] !== undefined) {
    return new Auth0Error(400, issue.message, target.errorCode);
  }
  const { text, at } = describeIssue(issue);
  return validationError(opts.where ?? 'body', text, at, opts.schema ? descriptionAt(opts.schema, at) : undefined);
}

/**
 * Auth0's 400 for one problem `text` at `path` of the body, query or path parameters:
 * `Payload validation error: '<text>' on property <path> (<description>).`
 */
export function validationError(where: ValidationTarget, text: string, path: readonly PropertyKey[] = [], description?: string): Auth0Error {
  const target = TARGETS[where];
  if (path.length === 0) return new Auth0Error(400, `${target.prefix}: '${text}'.`, target.errorCode);
  const suffix = description ? ` (${description})` : '';
  return new Auth0Error(400, `${target.prefix}: '${text}' on property ${formatPath(path)}${suffix}.`, target.errorCode);
}

/** `refresh_token.policies[0].audience` */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, seg) => {
    if (typeof seg === 'number') return `${acc}[${seg}]`;
    const key = String(seg);
    return acc === '' ? key : `${acc}.${key}`;
  }, '');
}

const hasInput = (issue: z.core.$ZodIssue) => 'input' in issue && issue.input !== undefined;
const shown = (issue: z.core.$ZodIssue) => (hasInput(issue) ? `: ${String(issue.input)}` : '');
const lengthOf = (issue: z.core.$ZodIssue) => {
  const input = issue.input;
  return typeof input === 'string' || Array.isArray(input) ? input.length : undefined;
};

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** The validator's wording of one issue, and the path it is reported at. */
function describeIssue(issue: z.core.$ZodIssue): { text: string; at: PropertyKey[] } {
  const at = [...issue.path];
  // With reportInput an absent property shows as an input key holding undefined.
  const absent = 'input' in issue && issue.input === undefined;
  if (absent && at.length > 0 && (issue.code === 'invalid_type' || issue.code === 'invalid_value')) {
    return { text: `Missing required property: ${String(at[at.length - 1])}`, at: at.slice(0, -1) };
  }
  switch (issue.code) {
    case 'unrecognized_keys':
      return { text: `Additional properties not allowed: ${issue.keys.join(',')}`, at };
    case 'invalid_type': {
      // Without reportInput zod keeps no input, but its default message still says what it got.
      if (!hasInput(issue) && / received undefined$/.test(issue.message) && at.length > 0) {
        return { text: `Missing required property: ${String(at[at.length - 1])}`, at: at.slice(0, -1) };
      }
      const expected = issue.expected === 'int' ? 'integer' : issue.expected;
      const found = hasInput(issue) ? jsonType(issue.input) : /received (\w+)$/.exec(issue.message)?.[1];
      return { text: found ? `Expected type ${expected} but found type ${found}` : `Expected type ${expected}`, at };
    }
    case 'too_big': {
      const n = lengthOf(issue);
      const max = String(issue.maximum);
      if (issue.origin === 'string') return { text: n === undefined ? `String is too long, maximum ${max}` : `String is too long (${n} chars), maximum ${max}`, at };
      if (issue.origin === 'array') return { text: n === undefined ? `Array is too long, maximum ${max}` : `Array is too long (${n}), maximum ${max}`, at };
      return { text: hasInput(issue) ? `Value ${String(issue.input)} is greater than maximum ${max}` : `Value is greater than maximum ${max}`, at };
    }
    case 'too_small': {
      const n = lengthOf(issue);
      const min = String(issue.minimum);
      if (issue.origin === 'string') return { text: n === undefined ? `String is too short, minimum ${min}` : `String is too short (${n} chars), minimum ${min}`, at };
      if (issue.origin === 'array') return { text: n === undefined ? `Array is too short, minimum ${min}` : `Array is too short (${n}), minimum ${min}`, at };
      return { text: hasInput(issue) ? `Value ${String(issue.input)} is less than minimum ${min}` : `Value is less than minimum ${min}`, at };
    }
    case 'invalid_format':
      if (issue.format === 'regex' && issue.pattern !== undefined) {
        return { text: `String does not match pattern ${issue.pattern.replace(/^\/(.*)\/[a-z]*$/, '$1')}${shown(issue)}`, at };
      }
      return { text: `Object didn't pass validation for format ${issue.format}${shown(issue)}`, at };
    case 'invalid_value':
      return { text: hasInput(issue) ? `No enum match for: ${JSON.stringify(issue.input)}` : `No enum match, expected one of: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`, at };
    case 'not_multiple_of':
      return { text: hasInput(issue) ? `Value ${String(issue.input)} is not a multiple of ${issue.divisor}` : `Value is not a multiple of ${issue.divisor}`, at };
    case 'invalid_key': {
      const inner = issue.issues[0];
      const why = inner ? describeIssue(inner).text : issue.message;
      return { text: `Invalid property name ${String(at[at.length - 1])}: ${why}`, at: at.slice(0, -1) };
    }
    case 'invalid_union':
      return { text: 'Data does not match any schemas from anyOf', at };
    case 'custom': {
      const format = issue.params?.['format'];
      if (typeof format === 'string') return { text: `Object didn't pass validation for format ${format}${shown(issue)}`, at };
      const maxProperties = issue.params?.['maxProperties'];
      if (typeof maxProperties === 'number') {
        const count = hasInput(issue) && typeof issue.input === 'object' && issue.input !== null ? ` (${Object.keys(issue.input).length})` : '';
        return { text: `Too many properties defined${count}, maximum ${maxProperties}`, at };
      }
      return { text: issue.message, at };
    }
    case 'invalid_element':
      return { text: issue.message, at };
    default: {
      const _never: never = issue;
      return { text: (_never as z.core.$ZodIssue).message, at };
    }
  }
}

// ---- Property descriptions ----

interface LooseDef {
  type: string;
  innerType?: z.core.$ZodType;
  in?: z.core.$ZodType;
  shape?: Record<string, z.core.$ZodType>;
  element?: z.core.$ZodType;
  valueType?: z.core.$ZodType;
  options?: readonly z.core.$ZodType[];
  getter?: () => z.core.$ZodType;
}

const defOf = (node: z.core.$ZodType) => node._zod.def as unknown as LooseDef;
const ownDescription = (node: z.core.$ZodType) => z.globalRegistry.get(node)?.description;

/** Steps through optional/nullable/default/pipe wrappers, calling `visit` on each layer. */
function unwrap(node: z.core.$ZodType, visit: (n: z.core.$ZodType) => void): z.core.$ZodType {
  for (let current = node, depth = 0; depth < 32; depth++) {
    visit(current);
    const def = defOf(current);
    const next = def.innerType ?? (def.type === 'pipe' ? def.in : def.type === 'lazy' ? def.getter?.() : undefined);
    if (!next) return current;
    current = next;
  }
  return node;
}

function child(node: z.core.$ZodType, seg: PropertyKey): z.core.$ZodType | undefined {
  const def = defOf(node);
  switch (def.type) {
    case 'object':
      return def.shape?.[String(seg)];
    case 'array':
      return def.element;
    case 'record':
      return def.valueType;
    case 'union':
      return def.options?.map((o) => child(unwrap(o, () => {}), seg)).find((c) => c !== undefined);
    default:
      return undefined;
  }
}

/**
 * The `.describe()` text of the property at `path`: the description of the last named property
 * on the path (an array item without its own description reports its array's).
 */
export function descriptionAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string | undefined {
  let node = unwrap(schema, () => {});
  let description: string | undefined;
  for (const seg of path) {
    const next = child(node, seg);
    if (!next) return description;
    if (typeof seg === 'string') description = undefined;
    let found: string | undefined;
    node = unwrap(next, (n) => {
      found ??= ownDescription(n);
    });
    description = found ?? description;
  }
  return description;
}
