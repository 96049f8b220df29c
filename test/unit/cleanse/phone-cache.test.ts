import { beforeEach, describe, expect, it, vi } from 'vitest';

// A spy around the real parser: the answers stay libphonenumber-js's own, the test counts how often it runs.
const parses = vi.hoisted(() => ({ count: 0 }));
vi.mock('libphonenumber-js/min', async (original) => {
  const actual = await original<typeof import('libphonenumber-js/min')>();
  return {
    ...actual,
    parsePhoneNumberFromString: (...args: Parameters<typeof actual.parsePhoneNumberFromString>) => {
      parses.count++;
      return actual.parsePhoneNumberFromString(...args);
    },
  };
});

const { PhoneCacheLimits, phoneCacheUsage, toE164 } = await import('../../../shared/cleanse/phone.ts');

describe('phone normalisation cache', () => {
  beforeEach(() => {
    parses.count = 0;
  });

  it('parses a phone once however many records repeat it, valid or not', () => {
    // Prepare: a batch in which 3 customers' phones (one invalid) recur
    const phones = ['(212) 555-0153', '020 7946 0958', '12'];
    const countries = ['US', 'GB', 'US'];

    // Act
    const answers = Array.from({ length: 300 }, (_, i) => toE164(phones[i % 3], countries[i % 3]));

    // Assess
    expect(parses.count).toBe(3);
    expect(new Set(answers)).toEqual(new Set(['+12125550153', '+442079460958', undefined]));
  });

  it('keeps answers apart per country: the same national text is another number elsewhere', () => {
    // Prepare
    const text = '020 7946 0958';

    // Act
    const inGb = toE164(text, 'GB');
    const withoutCountry = toE164(text);

    // Assess
    expect(inGb).toBe('+442079460958');
    expect(withoutCountry).toBeUndefined();
  });

  it('stays within its byte budget whatever the records send', () => {
    // Prepare: many distinct, long phone texts (what a hostile or very wide stream sends)
    const longPhones = Array.from(
      { length: 20_000 },
      (_, i) => `+1 212 555 ${String(i).padStart(4, '0')}${' x'.repeat(100)}`,
    );

    // Act
    for (const phone of longPhones) toE164(phone, 'US');

    // Assess
    const usage = phoneCacheUsage();
    expect(usage.bytes).toBeLessThanOrEqual(PhoneCacheLimits.maxBytes);
    expect(usage.entries).toBeLessThanOrEqual(PhoneCacheLimits.maxEntries);
    expect(usage.bytes).toBeGreaterThan(PhoneCacheLimits.maxBytes / 2);
  });
});
