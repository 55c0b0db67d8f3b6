/**
 * Dates in log searches. A value denotes the whole span its precision names: `2026-01` is the
 * month, `2026-01-31` the day, `2026-01-31T10:00` the minute. `date:X` matches that span, and a
 * range bound uses its start or end as the bracket asks:
 *
 *   [X …   date >= start(X)        … X]   date <  end(X)
 *   {X …   date >= end(X)          … X}   date <  start(X)
 *
 * which gives Auth0's examples their documented meaning (`[2018-12 TO 2019-01-01}` is December,
 * `[* TO 2018-12-19}` stops before the 19th) and makes `[2026-01-01 TO 2026-01-31]` the whole of
 * January rather than stopping at midnight of the 31st.
 *
 * Without an offset the time is UTC (Auth0 logs are in UTC); `Z` and `±HH:MM` are accepted.
 */
export interface DateSpan {
  startMs: number;
  endMs: number;
}

const DATE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

// What DateTime64(3) holds; outside it a bound would be clamped silently by the engine.
const MIN_YEAR = 1900;
const MAX_YEAR = 2299;

export const DATE_EXAMPLE = '2026-01-31 or 2026-01-31T10:00:00Z';

export function parseDateSpan(text: string): DateSpan | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  const [, ys, mos, ds, hs, mis, ss, fs, zone] = m;
  const year = Number(ys);
  const month = num(mos, 1);
  const day = num(ds, 1);
  const hour = num(hs, 0);
  const minute = num(mis, 0);
  const second = num(ss, 0);
  const ms = fs === undefined ? 0 : Number(fs.padEnd(3, '0'));
  if (year < MIN_YEAR || year > MAX_YEAR || month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  if (day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;

  const start = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  let end: number;
  if (mos === undefined) end = Date.UTC(year + 1, 0, 1);
  else if (ds === undefined) end = Date.UTC(year, month, 1);
  else if (hs === undefined) end = start + 86_400_000;
  else if (mis === undefined) end = start + 3_600_000;
  else if (ss === undefined) end = start + 60_000;
  else if (fs === undefined) end = start + 1_000;
  else end = start + 10 ** (3 - fs.length);

  const offset = zoneOffsetMs(zone);
  if (offset === undefined) return undefined;
  return { startMs: start - offset, endMs: end - offset };
}

function num(text: string | undefined, fallback: number): number {
  return text === undefined ? fallback : Number(text);
}

function zoneOffsetMs(zone: string | undefined): number | undefined {
  if (zone === undefined || zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const hours = Number(zone.slice(1, 3));
  const minutes = Number(zone.slice(4, 6));
  if (hours > 23 || minutes > 59) return undefined;
  return sign * (hours * 60 + minutes) * 60_000;
}
