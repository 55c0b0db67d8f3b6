/// <reference lib="es2024.string" />

import { stringProblem, type JsonLimits } from './json-limits.js';

// A cheap sufficient condition for findJsonViolation(value, limits) === undefined, for hot paths
// that hold a value AND its JSON text anyway (a record just parsed, an entry about to be sent).
// `true` means "certainly within the limits"; `false` only means "not shown cheaply": the caller
// then runs the full walk, which gives the verdict and the path. It never allocates per node.
//
// - Strings and keys: every string of plain JSON data appears in its JSON text, and a NUL or a
//   lone surrogate can only appear there escaped (JSON.stringify escapes both; JSON.parse refuses
//   a raw control character and UTF-8 decoding never yields a surrogate). So a text that is
//   well-formed, has no raw NUL and no `\u0000` / `\uD8xx`-`\uDFxx` escape has no bad string.
//   (A false alarm, e.g. an escaped pair for an emoji or a literal `\\u0000`, just means the walk.)
// - Depth and entries: counted on the value itself, bailing out on anything JSON.parse does not
//   make (functions, class instances, holes), where text and value could disagree. An undefined
//   property is allowed (entries have optional bodies): JSON leaves its key out, so the key is
//   checked on its own.

// eslint-disable-next-line no-control-regex -- NUL is exactly what is looked for
const SUSPECT_TEXT = /\\u(?:0000|[dD][89a-fA-F])|\u0000/;

/** `text` must be the JSON text of `value`: JSON.stringify(value), or the text it was parsed from. */
export function surelyWithinJsonLimits(value: unknown, text: string, limits: JsonLimits): boolean {
  if (!text.isWellFormed() || SUSPECT_TEXT.test(text)) return false;
  const budget = { entries: limits.maxEntries };
  return plainWithin(value, limits.maxDepth, budget);
}

/** Plain JSON data nested at most `depthLeft` containers deep, with at most `budget.entries` entries. */
function plainWithin(value: unknown, depthLeft: number, budget: { entries: number }): boolean {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return true;
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depthLeft === 0) return false;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return false;
    const n = value.length;
    if ((budget.entries -= n) < 0) return false;
    for (let i = 0; i < n; i++) {
      const item: unknown = value[i];
      // undefined is written as null; a hole is not plain data, the walk decides.
      if (item === undefined) {
        if (!(i in value)) return false;
        continue;
      }
      if (!plainWithin(item, depthLeft - 1, budget)) return false;
    }
    return true;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  const obj = value as Record<string, unknown>;
  for (const key in obj) {
    if (!Object.hasOwn(obj, key)) return false;
    if (--budget.entries < 0) return false;
    const child = obj[key];
    // JSON.stringify leaves such a key out of the text, so the text says nothing about it.
    if (child === undefined) {
      if (stringProblem(key) !== undefined) return false;
      continue;
    }
    if (!plainWithin(child, depthLeft - 1, budget)) return false;
  }
  return true;
}
