import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/min';

/** libphonenumber-js reads at most 250 characters (longer input is TOO_LONG); we refuse it before any work. */
export const MAX_PHONE_TEXT = 250;

/**
 * A phone number → E.164 ("+442071838750"), or undefined when it cannot be a valid number. National numbers
 * ("020 7183 8750") need the country they belong to, usually the record's own (cleansed) country. Uses the
 * library's "min" metadata: validity is judged on length and leading digits per country, not on allocated ranges.
 */
export const toE164 = (input: unknown, defaultCountry?: string): string | undefined => {
  if (typeof input !== 'string' && typeof input !== 'number') return undefined;
  const text = String(input).trim();
  if (text === '' || text.length > MAX_PHONE_TEXT) return undefined;
  const country =
    defaultCountry && /^[A-Z]{2}$/.test(defaultCountry) ? (defaultCountry as CountryCode) : undefined;
  const parsed = parsePhoneNumberFromString(
    text,
    country === undefined ? undefined : { defaultCountry: country },
  );
  return parsed?.isValid() ? parsed.number : undefined;
};
