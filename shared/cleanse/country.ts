import countries from 'i18n-iso-countries/index.js';
import english from 'i18n-iso-countries/langs/en.json' with { type: 'json' };

/*
 * i18n-iso-countries is maintained and carries ISO 3166-1 alpha-2/alpha-3/numeric codes. Its package entry
 * registers ~80 languages (≈1.5 MB); importing `index.js` plus the English names keeps a bundle at ~20 KB.
 * libphonenumber-js metadata knows calling codes, not country names, so it cannot do this job.
 */

/** Names and common variants people type, beyond the ISO English names and aliases the package ships. */
const EXTRA_NAMES: Readonly<Record<string, string>> = {
  england: 'GB',
  scotland: 'GB',
  wales: 'GB',
  'northern ireland': 'GB',
  britain: 'GB',
  holland: 'NL',
  'the netherlands': 'NL',
  'south korea': 'KR',
  'north korea': 'KP',
  russia: 'RU',
  'czech republic': 'CZ',
  'ivory coast': 'CI',
  turkey: 'TR',
  vietnam: 'VN',
  laos: 'LA',
  syria: 'SY',
  iran: 'IR',
  bolivia: 'BO',
  venezuela: 'VE',
  tanzania: 'TZ',
  moldova: 'MD',
  'the gambia': 'GM',
};

/** Lower case, accents and punctuation removed, whitespace collapsed: "Côte d’Ivoire" → "cote divoire". */
const normalise = (name: string): string =>
  name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[.'’()]/g, '')
    .replace(/[\s,_-]+/g, ' ')
    .trim();

interface CountryTables {
  readonly byName: ReadonlyMap<string, string>;
  readonly alpha2Codes: ReadonlySet<string>;
}
let tables: CountryTables | undefined;

/*
 * Built on first use, not at import: a module-level side effect would keep i18n-iso-countries in every bundle
 * that imports `shared/index.ts`, whether or not its flow cleanses a country.
 */
const countryTables = (): CountryTables => {
  if (tables) return tables;
  countries.registerLocale(english);
  const byName = new Map<string, string>();
  for (const [alpha2, names] of Object.entries(english.countries)) {
    for (const name of Array.isArray(names) ? names : [names]) byName.set(normalise(name), alpha2);
  }
  for (const [name, alpha2] of Object.entries(EXTRA_NAMES)) byName.set(name, alpha2);
  tables = { byName, alpha2Codes: new Set(Object.keys(countries.getAlpha2Codes())) };
  return tables;
};

/**
 * Longer than any name or variant above (the longest, "South Georgia and the South Sandwich Islands", has 44
 * characters): longer text is not a country, and is neither normalised nor remembered.
 */
export const MAX_COUNTRY_TEXT = 100;

/**
 * A country name or code (alpha-2, alpha-3, numeric, English name or common variant) → ISO 3166-1 alpha-2, or
 * undefined when it is not recognisable. "uk", "U.K." and "United Kingdom" all give "GB"; "UK" is not an ISO code
 * but is what people write.
 */
export const toCountryCode = (input: unknown): string | undefined => {
  if (typeof input === 'string') {
    // Only short keys are remembered, so the memo stays within MEMO_LIMIT × MAX_COUNTRY_TEXT characters.
    if (input.length > MAX_COUNTRY_TEXT) return lookup(input);
    // Records repeat a handful of spellings: remember answers (bounded) instead of normalising each time.
    const known = memo.get(input);
    if (known !== undefined) return known === NOT_A_COUNTRY ? undefined : known;
    const code = lookup(input);
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(input, code ?? NOT_A_COUNTRY);
    return code;
  }
  return lookup(input);
};

const MEMO_LIMIT = 10_000;
const NOT_A_COUNTRY = '';
const memo = new Map<string, string>();

/** What the memo holds: entries and the characters of their keys (for tests of its bound). */
export const countryMemoFootprint = (): { readonly entries: number; readonly keyChars: number } => {
  let keyChars = 0;
  for (const key of memo.keys()) keyChars += key.length;
  return { entries: memo.size, keyChars };
};

const lookup = (input: unknown): string | undefined => {
  const { byName, alpha2Codes } = countryTables();
  if (typeof input === 'number')
    return Number.isInteger(input) ? countries.numericToAlpha2(input) : undefined;
  if (typeof input !== 'string') return undefined;
  const text = input.trim();
  if (text.length > MAX_COUNTRY_TEXT) return undefined;
  if (text.length === 2) {
    const upper = text.toUpperCase();
    if (alpha2Codes.has(upper)) return upper;
  } else if (text.length === 3) {
    if (/^\d{3}$/.test(text)) return countries.numericToAlpha2(text);
    const alpha2 = countries.alpha3ToAlpha2(text.toUpperCase());
    if (alpha2 !== undefined) return alpha2;
  }
  return byName.get(normalise(text));
};
