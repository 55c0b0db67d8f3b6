import { z } from 'zod';
import { ConfigSchema } from './schema.js';

/** The README's configuration table, rendered from the schema so the two cannot drift apart. */
export function renderConfigTable(): string {
  const json = z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' }) as {
    properties: Record<string, { default?: unknown; description?: string }>;
  };
  const rows = Object.entries(json.properties).map(([key, prop]) => {
    const def = prop.default === undefined ? '' : `\`${Array.isArray(prop.default) ? prop.default.join(',') : String(prop.default)}\``;
    return `| \`${key}\` | ${def} | ${(prop.description ?? '').replace(/\|/g, '\\|')} |`;
  });
  return ['| Variable | Default | Meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

export const CONFIG_TABLE_BEGIN = '<!-- config-table:begin (npm run config:docs) -->';
export const CONFIG_TABLE_END = '<!-- config-table:end -->';
