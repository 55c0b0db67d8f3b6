/**
 * JSON with object keys sorted at every level. A state reaches a table along different paths
 * (folded from events, or read back from the table and folded further), which build objects in
 * different key orders; sorting makes the same value always the same string, so a replayed table
 * is byte-identical to the live one.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}
