/// <reference lib="es2024.string" />
// Strings that are valid input (well-formed Unicode, no NUL: shared/http/json-limits.ts) yet odd
// enough to break whatever escapes, measures, binds or splits text on the way to ClickHouse and a
// log stream: every Unicode plane, emoji sequences, combining marks, bidi controls, quotes and
// backslashes, ClickHouse parameter syntax, SQL and JSON look-alikes, and lengths at the limits.
import fc from 'fast-check';
import type { UrlFormat } from '../../shared/clients/urls.js';

/** Pieces picked for what they do to escaping, length counting and rendering. */
export const ODD_PIECES: readonly string[] = [
  // Quotes, backslashes, escapes, and what a template or format string would interpret.
  '"', "'", '`', '\\', '\\\\', '\\"', "\\'", '\\n', '\\u0000', '\\x00', '%s', '%d', '%n', '${x}', '{{x}}', '$1',
  // ClickHouse's own parameter syntax and SQL look-alikes.
  '{name:String}', '{id:UInt64}', '{log_id:Array(String)}', "'; DROP TABLE audit_log; --", "' OR 1=1 --", '" OR ""="',
  "') FORMAT JSONEachRow SETTINGS max_threads=1 --", '/* */', '-- ', '\\G', 'FINAL', 'NULL', '\\N',
  // JSON look-alikes and the redaction marker itself.
  '{"a":1}', '[]', '{}', 'null', 'true', '"REDACTED"', 'REDACTED', '</script>',
  // Control characters other than NUL, and the line terminators JSON and JavaScript disagree on.
  '\u0001', '\u001f', '\u007f', '\u0085', '\t', '\n', '\r\n', '\u2028', '\u2029', '\u000b', '\u000c',
  // Zero-width, BOM, bidi controls, right-to-left scripts.
  '\u200b', '\u200d', '\ufeff', '\u202e', '\u202d', '\u2066', '\u2069', '\u200f', 'مرحبا بالعالم', 'שלום', '‮gnp.exe',
  // Combining marks, stacked.
  'e\u0301', 'Z\u0351\u0352\u0353\u0354\u0355\u0356\u0357', 'ñ', 'n\u0303', '\u0e01\u0e34\u0e4a',
  // Emoji: ZWJ families, skin tones, flags, keycaps, tags.
  '👩‍👩‍👧‍👦', '👍🏽', '🇫🇷', '🏳️‍🌈', '1️⃣', '🏴󠁧󠁢󠁳󠁣󠁴󠁿', '🛒',
  // Every plane: BMP (CJK, Hangul, private use, non-characters), SMP, SIP, TIP, SSP, PUA-A/B.
  '中文', '한국어', '\ue000', '\uffff', '\ufffe', '\ufdd0', '𝕏', '𐍈', '𓀀', '𠀀', '𪛖', '𰀀', '\u{e0041}', '\u{f0000}', '\u{10fffd}', '\u{10ffff}',
];

const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();
/** What the API accepts in any string. */
export const acceptable = (s: string): boolean => isWellFormed(s) && !s.includes('\u0000');

/** One code point from a chosen plane (never a surrogate, never NUL). */
const arbCodePoint = fc
  .oneof(
    fc.integer({ min: 1, max: 0x7f }),
    fc.integer({ min: 0x80, max: 0xd7ff }),
    fc.integer({ min: 0xe000, max: 0xffff }),
    fc.integer({ min: 0x10000, max: 0x1ffff }),
    fc.integer({ min: 0x20000, max: 0x2ffff }),
    fc.integer({ min: 0x30000, max: 0x3ffff }),
    fc.integer({ min: 0xe0000, max: 0xeffff }),
    fc.integer({ min: 0xf0000, max: 0x10ffff }),
  )
  .map((c) => String.fromCodePoint(c));

/** Cuts `s` to at most `max` code points (what zod's length checks count). */
export function fitTo(s: string, max: number): string {
  const points = [...s];
  return points.length <= max ? s : points.slice(0, max).join('');
}

/** Pads (with plane-1 characters: two UTF-16 units each) or cuts `s` to exactly `n` code points. */
export function exactly(s: string, n: number): string {
  const points = [...fitTo(s, n)];
  while (points.length < n) points.push('𝕏');
  return points.join('');
}

export interface TextBounds {
  minLength?: number;
  maxLength?: number;
}

/**
 * Odd but acceptable text within `bounds` (code points, as zod counts): a mix of the pieces
 * above, arbitrary code points of every plane and graphemes, sometimes exactly at the maximum or
 * the minimum. Unbounded strings sometimes get long (a few thousand units).
 */
export function arbOddText(bounds: TextBounds = {}): fc.Arbitrary<string> {
  const min = bounds.minLength ?? 0;
  const max = bounds.maxLength ?? 200;
  const part = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...ODD_PIECES) },
    { weight: 2, arbitrary: arbCodePoint },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 3 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 6 }) },
  );
  const mixed = fc.array(part, { maxLength: 12 }).map((parts) => parts.join(''));
  const limitLength = bounds.maxLength ?? 4000;
  const text = fc.oneof(
    { weight: 6, arbitrary: mixed.map((s) => fitTo(s, max)) },
    // At the limits: exactly the maximum (the longest accepted), exactly the minimum.
    { weight: 1, arbitrary: mixed.map((s) => exactly(s, limitLength)) },
    { weight: 1, arbitrary: mixed.map((s) => exactly(s, Math.max(min, 1))) },
  );
  return text.map((s) => ([...s].length < min ? exactly(s, min) : s)).filter(acceptable);
}

/** A path/query part of a URL: odd text without whitespace or braces (neither survives URL checks). */
const arbUrlTail = arbOddText({ maxLength: 40 }).map((s) => s.replace(/[\s{}#]/gu, ''));
const arbLabel = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/);
const arbHost = fc.tuple(fc.array(arbLabel, { minLength: 1, maxLength: 3 }), fc.constantFrom('example.com', 'example.org', 'xn--bcher-kva.example', 'localhost', '127.0.0.1')).map(([labels, tld]) => [...labels, tld].join('.'));
const PLACEHOLDERS = ['{organization_name}', '{organization.metadata.region}', '{custom_domain.metadata.tenant}'];

/**
 * URLs valid for an Auth0 URL format (shared/clients/urls.ts), with odd paths and queries:
 * placeholders and the subdomain wildcard where the format allows them, custom schemes where
 * http is not required, and the empty string where it is allowed. Callers still check each
 * value with the field's own schema; this only makes valid values likely.
 */
export function arbUrl(format: UrlFormat): fc.Arbitrary<string> {
  const https = format.includes('https');
  const placeholders = format === 'callback-url' || format === 'url-with-placeholders' || format === 'absolute-https-uri-with-placeholders-or-empty';
  const wildcard = format === 'callback-url' || format === 'url-with-placeholders';
  const scheme = https ? fc.constant('https') : fc.constantFrom('https', 'http', 'com.example.app', 'myapp');
  const host = fc.oneof(
    { weight: 4, arbitrary: arbHost },
    { weight: placeholders ? 1 : 0, arbitrary: fc.tuple(fc.constantFrom(...PLACEHOLDERS), arbHost).map(([p, h]) => `${p}.${h}`) },
    { weight: wildcard ? 1 : 0, arbitrary: arbHost.map((h) => `*.${h}`) },
  );
  const port = fc.option(fc.integer({ min: 1, max: 65535 }).map((p) => `:${p}`), { nil: '' });
  const url = fc
    .tuple(scheme, host, port, arbUrlTail, fc.option(arbUrlTail, { nil: undefined }))
    .map(([s, h, p, path, query]) => `${s}://${h}${p}/${path}${query === undefined ? '' : `?q=${query}`}`);
  return format.endsWith('-or-empty') ? fc.oneof({ weight: 5, arbitrary: url }, { weight: 1, arbitrary: fc.constant('') }) : url;
}
