/**
 * DateTime64(3, 'UTC') as text, the form both engines read and write ('2026-01-31 10:00:00.123').
 *
 * Values are sent as this text rather than JS Dates: the HTTP client turns a Date into a Unix
 * timestamp, but chDB's binder drops its milliseconds (measured: 10:00:00.123 bound as
 * 10:00:00.000), and an ISO string with 'T'/'Z' is refused by the default input format.
 */
export const DATETIME64_SQL_TYPE = "DateTime64(3, 'UTC')";

const CLICKHOUSE_TEXT = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?$/;

export function formatDateTime64(ms: number): string {
  const iso = new Date(ms).toISOString(); // throws RangeError on an invalid time
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

/** ClickHouse text (as returned in JSON formats) to canonical ISO 8601 UTC with milliseconds. */
export function dateTime64ToIso(text: string): string {
  const m = CLICKHOUSE_TEXT.exec(text);
  if (!m) throw new Error(`Not a ClickHouse DateTime64 value: ${JSON.stringify(text)}`);
  const fraction = (m[3] ?? '').padEnd(3, '0').slice(0, 3);
  return `${m[1]}T${m[2]}.${fraction}Z`;
}
