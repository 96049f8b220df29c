import { isoText } from './iso-text.ts';

/*
 * Hand-rolled parsers for the accepted shapes: faster than Date.parse (this runs per record on the hot path) and
 * stricter (V8's Date.parse accepts garbage such as "foo 2020").
 */
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:(Z)|([+-])(\d{2})(?::?(\d{2}))?)?)?$/i;
/** Already ISO 8601 UTC with milliseconds: returned as it is once checked. */
const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const RFC_2822 =
  /^(?:[A-Za-z]{3},\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{2}|\d{4})\s+(\d{2}):(\d{2})(?::(\d{2}))?\s*(?:([+-])(\d{2})(\d{2})|(UT|GMT|Z|[ECMP][SD]T))$/;
const DIGITS = /^-?\d+(?:\.\d+)?$/;

const MONTHS: Readonly<Record<string, number>> = {
  jan: 0,
  feb: 1,
  mar: 2,
  apr: 3,
  may: 4,
  jun: 5,
  jul: 6,
  aug: 7,
  sep: 8,
  oct: 9,
  nov: 10,
  dec: 11,
};
/** RFC 2822 obsolete zones, in minutes east of UTC. */
const ZONES: Readonly<Record<string, number>> = {
  UT: 0,
  GMT: 0,
  Z: 0,
  EST: -300,
  EDT: -240,
  CST: -360,
  CDT: -300,
  MST: -420,
  MDT: -360,
  PST: -480,
  PDT: -420,
};

/** Below this an epoch number is taken as seconds, above as milliseconds (1e11 s is the year 5138). */
const SECONDS_LIMIT = 1e11;
const MAX_MS = 8.64e15;

const fromEpoch = (n: number): number | undefined => {
  if (!Number.isFinite(n)) return undefined;
  const ms = Math.abs(n) < SECONDS_LIMIT ? n * 1000 : n;
  return Math.abs(ms) <= MAX_MS ? Math.round(ms) : undefined;
};

const daysIn = (year: number, month0: number): number =>
  month0 === 1
    ? year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
      ? 29
      : 28
    : ([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month0] as number);

/** UTC milliseconds from calendar fields, or undefined when a field is out of range (no silent rollover). */
const utc = (
  y: number,
  mo0: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  ms: number,
  offsetMin: number,
): number | undefined => {
  if (mo0 < 0 || mo0 > 11 || d < 1 || d > daysIn(y, mo0) || h > 23 || mi > 59 || s > 59) return undefined;
  return Date.UTC(y, mo0, d, h, mi, s, ms) - offsetMin * 60_000;
};

const parseIso = (m: RegExpExecArray): number | undefined => {
  const fraction = m[7];
  const ms = fraction === undefined ? 0 : Math.floor(Number(`0.${fraction}`) * 1000);
  const sign = m[9] === '-' ? -1 : 1;
  // No zone at all: UTC, never the machine's zone.
  const offset = m[9] === undefined ? 0 : sign * (Number(m[10]) * 60 + Number(m[11] ?? 0));
  return utc(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4] ?? 0),
    Number(m[5] ?? 0),
    Number(m[6] ?? 0),
    ms,
    offset,
  );
};

/** Digit value of the character at `i`, or -1. */
const digit = (text: string, i: number): number => {
  const c = text.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1;
};
const two = (text: string, i: number): number => {
  const a = digit(text, i);
  const b = digit(text, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
};

/**
 * The shape almost every producer writes — `YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH:MM]` — read by character codes,
 * several times faster than the general pattern. Returns null for anything else, which then goes to ISO_8601.
 */
const parseCommonIso = (text: string): number | undefined | null => {
  const n = text.length;
  if (n < 19 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84)
    return null;
  if (text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return null;
  const y1 = two(text, 0);
  const y2 = two(text, 2);
  const mo = two(text, 5);
  const d = two(text, 8);
  const h = two(text, 11);
  const mi = two(text, 14);
  const s = two(text, 17);
  if (y1 < 0 || y2 < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0) return null;
  let i = 19;
  let ms = 0;
  if (i < n && text.charCodeAt(i) === 46) {
    const start = ++i;
    while (i < n && digit(text, i) >= 0) i++;
    const digits = i - start;
    if (digits === 0 || digits > 9) return null;
    // Milliseconds truncated, as the general parser does: the first three digits, padded.
    ms =
      digit(text, start) * 100 +
      (digits > 1 ? digit(text, start + 1) * 10 : 0) +
      (digits > 2 ? digit(text, start + 2) : 0);
  }
  // No zone or `Z`: UTC. Otherwise exactly `±HH:MM`.
  let offset = 0;
  const zone = text.charCodeAt(i);
  if (i < n && !(zone === 90 && i + 1 === n)) {
    if ((zone !== 43 && zone !== 45) || i + 6 !== n || text.charCodeAt(i + 3) !== 58) return null;
    const oh = two(text, i + 1);
    const om = two(text, i + 4);
    if (oh < 0 || om < 0) return null;
    offset = (zone === 45 ? -1 : 1) * (oh * 60 + om);
  }
  return utc(y1 * 100 + y2, mo - 1, d, h, mi, s, ms, offset);
};

const parseRfc2822 = (m: RegExpExecArray): number | undefined => {
  const month = MONTHS[(m[2] as string).toLowerCase()];
  if (month === undefined) return undefined;
  const yy = Number(m[3]);
  const year = (m[3] as string).length === 2 ? (yy < 50 ? 2000 + yy : 1900 + yy) : yy;
  const offset =
    m[7] !== undefined
      ? (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9]))
      : (ZONES[m[10] as string] ?? 0);
  return utc(year, month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0), 0, offset);
};

/**
 * Epoch milliseconds from epoch seconds or milliseconds (numbers or digit strings), ISO 8601 (with an offset, or
 * UTC when it has none) or RFC 2822; undefined for anything else, including impossible dates (2026-02-30).
 */
export const toEpochMillis = (input: unknown): number | undefined => {
  if (typeof input === 'number') return fromEpoch(input);
  if (input instanceof Date) return Number.isNaN(input.getTime()) ? undefined : input.getTime();
  if (typeof input !== 'string') return undefined;
  const text =
    input.length > 0 && (input.charCodeAt(0) <= 32 || input.charCodeAt(input.length - 1) <= 32)
      ? input.trim()
      : input;
  const common = parseCommonIso(text);
  if (common !== null) return common;
  const iso = ISO_8601.exec(text);
  if (iso) return parseIso(iso);
  if (DIGITS.test(text)) return fromEpoch(Number(text));
  const rfc = RFC_2822.exec(text);
  return rfc ? parseRfc2822(rfc) : undefined;
};

/** Any accepted timestamp → ISO 8601 UTC ("2024-05-01T10:00:00.000Z"); undefined when not a timestamp. */
export const toIsoUtc = (input: unknown): string | undefined => {
  const ms = toEpochMillis(input);
  if (ms === undefined || Math.abs(ms) > MAX_MS) return undefined;
  // Already canonical text comes back as it is (same characters, no new string).
  return typeof input === 'string' && input.length === 24 && CANONICAL.test(input) ? input : isoText(ms);
};
