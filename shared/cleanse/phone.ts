import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/min';
import { LRUCache } from 'lru-cache';

/** libphonenumber-js reads at most 250 characters (longer input is TOO_LONG); we refuse it before any work. */
export const MAX_PHONE_TEXT = 250;

/**
 * The phone cache's budget: distinct (country, text) pairs and estimated heap bytes of keys and answers. Parsing
 * costs 20–80 µs a phone, while a stream repeats its customers' phones; 4,096 entries of at most ~560 bytes
 * (a 250-character text, two bytes a character, plus headers) stay under the 1 MiB kept for them.
 */
export const PhoneCacheLimits = { maxEntries: 4_096, maxBytes: 1024 * 1024 } as const;

/** An invalid number is cached too: a bad phone repeats as often as a good one. */
const INVALID = '';
const bytesOf = (key: string, value: string) => 64 + 2 * (key.length + value.length);

/** Made on first use, so a cold start that parses no phone allocates nothing; lives across warm invocations. */
let cache: LRUCache<string, string> | undefined;
const phoneCache = () =>
  (cache ??= new LRUCache<string, string>({
    max: PhoneCacheLimits.maxEntries,
    maxSize: PhoneCacheLimits.maxBytes,
    sizeCalculation: (value, key) => bytesOf(key, value),
  }));

/** What the phone cache holds now (for tests and the benchmark). */
export const phoneCacheUsage = (): { entries: number; bytes: number } => ({
  entries: cache?.size ?? 0,
  bytes: cache?.calculatedSize ?? 0,
});

const parse = (text: string, country: CountryCode | undefined): string => {
  const parsed = parsePhoneNumberFromString(
    text,
    country === undefined ? undefined : { defaultCountry: country },
  );
  return parsed?.isValid() ? parsed.number : INVALID;
};

/**
 * A phone number → E.164 ("+442071838750"), or undefined when it cannot be a valid number. National numbers
 * ("020 7183 8750") need the country they belong to, usually the record's own (cleansed) country. Uses the
 * library's "min" metadata: validity is judged on length and leading digits per country, not on allocated ranges.
 * Answers are cached per (country, trimmed text) within `PhoneCacheLimits`.
 */
export const toE164 = (input: unknown, defaultCountry?: string): string | undefined => {
  if (typeof input !== 'string' && typeof input !== 'number') return undefined;
  const text = String(input).trim();
  if (text === '' || text.length > MAX_PHONE_TEXT) return undefined;
  const country =
    defaultCountry && /^[A-Z]{2}$/.test(defaultCountry) ? (defaultCountry as CountryCode) : undefined;
  const key = `${country ?? ''}|${text}`;
  const lru = phoneCache();
  let answer = lru.get(key);
  if (answer === undefined) {
    answer = parse(text, country);
    lru.set(key, answer);
  }
  return answer === INVALID ? undefined : answer;
};
