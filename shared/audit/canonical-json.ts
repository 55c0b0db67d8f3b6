import canonicalize from 'canonicalize';

/**
 * RFC 8785 (JCS) text of a value, as the `canonicalize` package makes it, faster for the plain
 * data audit entries are. The package walks every value with an explicit stack and a cycle set
 * (about 3.5x JSON.stringify on a 4 KB entry, which put ~30 µs of main-thread CPU on each audit
 * entry); this is a plain recursion for plain objects, arrays, well-formed strings, finite numbers,
 * booleans and null, where JCS is JSON.stringify with keys sorted by UTF-16 code units. Anything
 * else (a toJSON, a boxed primitive, a lone surrogate, NaN, a non-plain object, nesting deeper than
 * the record limits allow) goes to the package, which has the last word; a property test holds the
 * two to the same text.
 */
export function canonicalJson(value: unknown): string {
  const fast = plain(value, 0);
  if (fast !== undefined) return fast;
  const text = canonicalize(value);
  if (text === undefined) throw new Error('value has no JSON form');
  return text;
}

// Deeper than any record may be (RECORD_JSON_LIMITS): the recursion never nears the stack's end.
const MAX_DEPTH = 256;
const NOT_PLAIN = Symbol('not plain');
type Out = string | typeof NOT_PLAIN | undefined;

// Entries repeat the same few hundred keys: their JSON text is made once. Bounded: a flood of
// distinct keys only costs the cache being started over.
const keyText = new Map<string, string>();
const MAX_KEYS = 10_000;

function quotedKey(k: string): string {
  let q = keyText.get(k);
  if (q === undefined) {
    if (keyText.size >= MAX_KEYS) keyText.clear();
    q = `${JSON.stringify(k)}:`;
    keyText.set(k, q);
  }
  return q;
}

// Entries come in a few shapes (a client's config, a request, a diff): each key order is sorted once.
const sortedOrder = new Map<string, string[]>();

function sortedKeys(keys: string[]): string[] {
  if (keys.length < 2) return keys;
  const shape = keys.join('\u0000');
  let sorted = sortedOrder.get(shape);
  if (sorted === undefined) {
    if (sortedOrder.size >= MAX_KEYS) sortedOrder.clear();
    sorted = keys.sort();
    sortedOrder.set(shape, sorted);
  }
  return sorted;
}

function plain(value: unknown, depth: number): string | undefined {
  const out = encode(value, depth);
  return out === NOT_PLAIN ? undefined : out;
}

/** undefined: a value JSON leaves out (undefined, a function, a symbol); NOT_PLAIN: not for this path. */
function encode(v: unknown, depth: number): Out {
  switch (typeof v) {
    case 'string':
      return v.isWellFormed() ? JSON.stringify(v) : NOT_PLAIN;
    case 'number':
      return Number.isFinite(v) ? JSON.stringify(v) : NOT_PLAIN;
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'bigint':
      return NOT_PLAIN;
  }
  if (v === null) return 'null';
  if (depth >= MAX_DEPTH) return NOT_PLAIN;
  if (Array.isArray(v)) {
    if (Object.getPrototypeOf(v) !== Array.prototype) return NOT_PLAIN;
    let s = '[';
    for (let i = 0; i < v.length; i++) {
      const item = encode(v[i], depth + 1);
      if (item === NOT_PLAIN) return NOT_PLAIN;
      if (i > 0) s += ',';
      s += item ?? 'null';
    }
    return `${s}]`;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return NOT_PLAIN;
  const obj = v as Record<string, unknown>;
  if (typeof obj.toJSON === 'function') return NOT_PLAIN;
  const keys = sortedKeys(Object.keys(obj));
  let s = '{';
  let first = true;
  for (const k of keys) {
    const item = encode(obj[k], depth + 1);
    if (item === NOT_PLAIN) return NOT_PLAIN;
    if (item === undefined) continue;
    if (!k.isWellFormed()) return NOT_PLAIN;
    if (!first) s += ',';
    s += quotedKey(k);
    s += item;
    first = false;
  }
  return `${s}}`;
}
