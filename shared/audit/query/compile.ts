import { DATETIME64_SQL_TYPE, formatDateTime64 } from '../datetime.js';
import { columnOf } from '../fields.js';
import type { Ast } from './ast.js';

export interface CompiledWhere {
  /** A boolean SQL expression: column names from the allowlist, values only as `{pN:Type}`. */
  where: string;
  params: Record<string, unknown>;
}

/**
 * The WHERE expression for a parsed search. The SQL text is built only from constants in this
 * file and column names from fields.ts; every value from the query is a bound parameter named
 * p0, p1, … (callers add their own parameters under other names).
 */
export function compileLogQuery(ast: Ast): CompiledWhere {
  const params: Record<string, unknown> = {};
  const bind = (value: string, type: 'String' | typeof DATETIME64_SQL_TYPE): string => {
    const name = `p${Object.keys(params).length}`;
    params[name] = value;
    return `{${name}:${type}}`;
  };
  const date = columnOf('date');

  const walk = (node: Ast): string => {
    switch (node.kind) {
      case 'all':
        return 'true';
      case 'and':
        return `(${node.children.map(walk).join(' AND ')})`;
      case 'or':
        return `(${node.children.map(walk).join(' OR ')})`;
      case 'not':
        return `NOT (${walk(node.child)})`;
      case 'match': {
        // Several fields (a bare term) share one parameter.
        const p = bind(node.value, 'String');
        return anyOf(node.fields.map((f) => `${columnOf(f)} = ${p}`));
      }
      case 'wildcard': {
        const p = bind(likePattern(node.parts), 'String');
        return anyOf(node.fields.map((f) => `like(${columnOf(f)}, ${p})`));
      }
      case 'range': {
        const col = columnOf(node.field);
        const conditions: string[] = [];
        if (node.lower) conditions.push(`${col} ${node.lower.inclusive ? '>=' : '>'} ${bind(node.lower.value, 'String')}`);
        if (node.upper) conditions.push(`${col} ${node.upper.inclusive ? '<=' : '<'} ${bind(node.upper.value, 'String')}`);
        return allOf(conditions);
      }
      case 'dateRange': {
        const conditions: string[] = [];
        if (node.fromMs !== undefined) conditions.push(`${date} >= ${bind(formatDateTime64(node.fromMs), DATETIME64_SQL_TYPE)}`);
        if (node.toMs !== undefined) conditions.push(`${date} < ${bind(formatDateTime64(node.toMs), DATETIME64_SQL_TYPE)}`);
        return allOf(conditions);
      }
      case 'exists':
        // Absent values are stored as '' (the columns are not Nullable); date is always set.
        return node.field === 'date' ? 'true' : `notEmpty(${columnOf(node.field)})`;
      default: {
        const _exhaustive: never = node;
        throw new Error(`Unknown query node ${JSON.stringify(_exhaustive)}`);
      }
    }
  };
  return { where: walk(ast), params };
}

function anyOf(conditions: string[]): string {
  return conditions.length === 1 ? (conditions[0] ?? 'false') : `(${conditions.join(' OR ')})`;
}

function allOf(conditions: string[]): string {
  if (conditions.length === 0) return 'true';
  return conditions.length === 1 ? (conditions[0] ?? 'true') : `(${conditions.join(' AND ')})`;
}

/** ClickHouse LIKE pattern: `%` between the literal parts, which have `\`, `%` and `_` escaped. */
export function likePattern(parts: string[]): string {
  return parts.map((p) => p.replace(/[\\%_]/g, (ch) => `\\${ch}`)).join('%');
}
