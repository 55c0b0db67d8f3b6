/// <reference lib="es2024.string" />

import { validationError, type ValidationTarget } from '../errors/from-zod.js';

// Limits every decoded input (JSON body, query string, path parameters) must meet before any
// other code sees it. Strings must be well-formed Unicode (ClickHouse refuses lone surrogates, and
// an entry it refuses can never be written) and free of NUL, which Auth0's documentation does not
// mention but which truncates strings in C-based log tools and breaks ClickHouse's text formats.
// Depth and size are bounded so recursive code downstream (zod, redaction, diff, JSON.stringify)
// can never overflow the stack: the walk below is iterative for the same reason.

/** Auth0's Management API answers 413 above 1 MiB (hapi's default payload limit). */
export const BODY_LIMIT_BYTES = 1_048_576;

export interface JsonLimits {
  /** Containers (objects, arrays) nested inside one another; `{"a":[1]}` has depth 2. */
  maxDepth: number;
  /** Object properties plus array items, counted over the whole value. */
  maxEntries: number;
}

/** The limits of every request body, query string and set of path parameters. */
export const REQUEST_JSON_LIMITS: JsonLimits = { maxDepth: 32, maxEntries: 10_000 };

/**
 * The limits of every record a reader takes from Kafka: a request's worth of data plus the
 * envelope and event wrappers around it. Every reader of a topic applies the same limits, so a
 * record beyond them (from another producer) gets the same verdict everywhere: dead-lettered.
 */
export const RECORD_JSON_LIMITS: JsonLimits = { maxDepth: 48, maxEntries: 20_000 };

export interface JsonViolation {
  /** Where, as a path of property names and array indexes; empty for the value itself. */
  path: PropertyKey[];
  /** The problem, worded like Auth0's validator messages. */
  text: string;
}

/** `\p{Cs}` in a u-mode regex matches exactly the surrogates that are not part of a pair. */
// eslint-disable-next-line no-control-regex -- NUL is exactly what is looked for
const BAD_CHARACTER = /[\p{Cs}\u0000]/u;

/** Why a string cannot be taken, or undefined when it can. */
export function stringProblem(s: string): string | undefined {
  const found = BAD_CHARACTER.exec(s);
  if (!found) return undefined;
  return found[0] === '\u0000'
    ? `String contains a NUL character at index ${found.index}`
    : `String is not well-formed Unicode (lone surrogate at index ${found.index})`;
}

interface Frame {
  value: unknown;
  path: PropertyKey[];
  depth: number;
}

/**
 * The first problem in `value` in document order, or undefined. Iterative, and it stops at the
 * first container that breaks a limit, so its cost is bounded by the limits, not by the input.
 */
export function findJsonViolation(value: unknown, limits: JsonLimits = REQUEST_JSON_LIMITS): JsonViolation | undefined {
  const stack: Frame[] = [{ value, path: [], depth: 0 }];
  let entries = 0;
  while (stack.length > 0) {
    const { value: node, path, depth } = stack.pop()!;
    if (typeof node === 'string') {
      const problem = stringProblem(node);
      if (problem) return { path, text: problem };
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    if (depth + 1 > limits.maxDepth) return { path, text: `Value is nested too deeply (more than ${limits.maxDepth} levels)` };
    const count = Array.isArray(node) ? node.length : Object.keys(node).length;
    entries += count;
    if (entries > limits.maxEntries) return { path, text: `Too many properties and array items (more than ${limits.maxEntries} in all)` };
    const children: Array<[PropertyKey, unknown]> = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node);
    for (const [key] of children) {
      const problem = typeof key === 'string' ? stringProblem(key) : undefined;
      // The key is not shown: it is the bad string itself.
      if (problem) return { path, text: `Invalid property name: ${problem}` };
    }
    // Pushed last to first so the walk, and so the problem reported, follows document order.
    for (let i = children.length - 1; i >= 0; i--) {
      const [key, child] = children[i]!;
      stack.push({ value: child, path: [...path, key], depth: depth + 1 });
    }
  }
  return undefined;
}

/** Throws Auth0's 400 naming the path when `value` breaks the request limits. */
export function refuseOutsideLimits(value: unknown, where: ValidationTarget, limits: JsonLimits = REQUEST_JSON_LIMITS): void {
  const violation = findJsonViolation(value, limits);
  if (violation) throw validationError(where, violation.text, violation.path);
}

/** How deep `value` nests, counted like JsonLimits.maxDepth; stops counting past `cap`. */
export function jsonDepth(value: unknown, cap = Number.MAX_SAFE_INTEGER): number {
  const stack: Array<[unknown, number]> = [[value, 0]];
  let deepest = 0;
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    const here = depth + 1;
    deepest = Math.max(deepest, here);
    if (deepest > cap) return deepest;
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, here]);
  }
  return deepest;
}

export interface FieldLimits {
  maxDepth: number;
  /** Size of the field's value as JSON text, in UTF-8 bytes. */
  maxBytes: number;
}

/**
 * Free-form objects (Auth0's pass-through settings) have no schema below their first level, so
 * each gets a depth and size of its own, smaller than the body's. Returns one problem per field.
 */
export function fieldLimitViolations(body: Record<string, unknown>, limits: Readonly<Record<string, FieldLimits>>): JsonViolation[] {
  const found: JsonViolation[] = [];
  for (const [field, limit] of Object.entries(limits)) {
    const value = body[field];
    if (value === undefined || value === null) continue;
    const depth = jsonDepth(value, limit.maxDepth);
    if (depth > limit.maxDepth) {
      found.push({ path: [field], text: `Object is nested too deeply (more than ${limit.maxDepth} levels)` });
      continue;
    }
    // Only measured once the depth is known to be small: JSON.stringify recurses.
    const bytes = Buffer.byteLength(JSON.stringify(value));
    if (bytes > limit.maxBytes) found.push({ path: [field], text: `Object is too large (${bytes} bytes as JSON), maximum ${limit.maxBytes}` });
  }
  return found;
}
