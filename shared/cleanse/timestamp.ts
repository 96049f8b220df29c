/*
 * Accepted shapes, checked before Date.parse because V8's parser also accepts garbage ("foo 2020" is a date).
 */
const ISO_8601 =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const RFC_2822 =
  /^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{2}:\d{2}(?::\d{2})?\s*(?:[+-]\d{4}|UT|GMT|[ECMP][SD]T|Z)$/;
const DIGITS = /^-?\d+(?:\.\d+)?$/;

/** Below this an epoch number is taken as seconds, above as milliseconds (1e11 s is the year 5138). */
const SECONDS_LIMIT = 1e11;

const MIN_MS = -8.64e15;
const MAX_MS = 8.64e15;

const fromEpoch = (n: number): number | undefined => {
  if (!Number.isFinite(n)) return undefined;
  const ms = Math.abs(n) < SECONDS_LIMIT ? n * 1000 : n;
  return ms >= MIN_MS && ms <= MAX_MS ? Math.round(ms) : undefined;
};

/**
 * Epoch milliseconds from epoch seconds or milliseconds (numbers or digit strings), ISO 8601 (with an offset, or
 * UTC when it has none: never the machine's zone) or RFC 2822; undefined for anything else.
 */
export const toEpochMillis = (input: unknown): number | undefined => {
  if (typeof input === 'number') return fromEpoch(input);
  if (input instanceof Date) return Number.isNaN(input.getTime()) ? undefined : input.getTime();
  if (typeof input !== 'string') return undefined;
  const text = input.trim();
  if (DIGITS.test(text)) return fromEpoch(Number(text));
  const iso = ISO_8601.exec(text);
  if (iso) {
    // Date-times without an offset would be read in the local zone; pin them to UTC.
    const withZone =
      text.length > 10 && iso[1] === undefined ? `${text.replace(' ', 'T')}Z` : text.replace(' ', 'T');
    const ms = Date.parse(withZone.replace(',', '.'));
    return Number.isNaN(ms) ? undefined : ms;
  }
  if (RFC_2822.test(text)) {
    const ms = Date.parse(text);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
};

/** Any accepted timestamp → ISO 8601 UTC ("2024-05-01T10:00:00.000Z"); undefined when not a timestamp. */
export const toIsoUtc = (input: unknown): string | undefined => {
  const ms = toEpochMillis(input);
  return ms === undefined ? undefined : new Date(ms).toISOString();
};
