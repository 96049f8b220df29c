import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countryMemoFootprint, MAX_COUNTRY_TEXT, toCountryCode } from '../../../shared/cleanse/country.ts';
import { MAX_EMAIL_LENGTH, normaliseEmail } from '../../../shared/cleanse/email.ts';
import { toE164 } from '../../../shared/cleanse/phone.ts';
import { maskPii } from '../../../shared/cleanse/pii.ts';
import { toIsoUtc } from '../../../shared/cleanse/timestamp.ts';
import { Stage } from '../../../shared/errors.ts';
import { cleanse } from '../../../shared/steps/cleanse.ts';
import { flowRecord, stepContext } from '../runtime/records.ts';

const MB = 1 << 20;

/**
 * Linear work on 1 MB is a few milliseconds here; quadratic work on it is minutes (the old email pattern took
 * 0.9 s on 40 KB). The budget is wide so a loaded machine does not fail the test, and still far below quadratic.
 */
const BUDGET_MS = 1_000;

const timed = <T>(work: () => T): { result: T; ms: number } => {
  const started = performance.now();
  const result = work();
  return { result, ms: performance.now() - started };
};

/** The email pattern before this change: it accepted these, and took quadratic time to refuse near misses. */
const OLD_EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

describe('cleansing hostile sizes in linear time', () => {
  it('refuses a 150 KB email built to backtrack, well within budget', () => {
    // Prepare: the review's attack shape — a dotted domain that never ends well.
    const email = `a@${'.a'.repeat(75_000)}@`;
    // Act
    const { result, ms } = timed(() => normaliseEmail(email));
    // Assess
    expect(result).toBeUndefined();
    expect(ms).toBeLessThan(BUDGET_MS);
  });

  it('refuses an address longer than 254 characters even when it is well formed', () => {
    // Prepare
    const longest = `${'a'.repeat(MAX_EMAIL_LENGTH - '@example.com'.length)}@example.com`;
    // Act / Assess
    expect(normaliseEmail(longest)).toBe(longest);
    expect(normaliseEmail(`a${longest}`)).toBeUndefined();
    expect(normaliseEmail(`  ${longest}  `)).toBe(longest);
  });

  it('accepts exactly what the old email pattern accepted, up to 254 characters', () => {
    // Prepare: strings over the characters that matter to the pattern
    const text = fc.string({
      unit: fc.constantFrom('a', 'B', '.', '@', ' ', '\t', '-', 'é'),
      maxLength: 40,
    });
    // Act / Assess
    fc.assert(
      fc.property(text, (s) => {
        const trimmed = s.trim().toLowerCase();
        expect(normaliseEmail(s)).toBe(OLD_EMAIL.test(trimmed) ? trimmed : undefined);
      }),
      { numRuns: 5_000 },
    );
  });

  it('dead-letters a record whose email is 150 KB, from the cleanse step, as any invalid email', async () => {
    // Prepare
    const step = cleanse({ fields: { email: 'email' } });
    const hostile = flowRecord({ email: `a@${'.a'.repeat(75_000)}@` }, 0);
    const fine = flowRecord({ email: 'A@B.CO' }, 1);
    // Act
    const { result, ms } = await (async () => {
      const started = performance.now();
      const r = await step.run([hostile, fine], stepContext());
      return { result: r, ms: performance.now() - started };
    })();
    // Assess
    expect(ms).toBeLessThan(BUDGET_MS);
    expect(result.records.map((r) => r.value)).toEqual([{ email: 'a@b.co' }]);
    expect(result.deadLetters).toHaveLength(1);
    expect(result.deadLetters[0]?.stage).toBe(Stage.Step);
    expect(result.deadLetters[0]?.component).toBe('cleanse');
    expect(result.deadLetters[0]?.error.message).toBe(
      'email: cannot be cleansed (a string of 150003 characters)',
    );
  });

  it.each([
    ['a 1 MB phone of digits', () => toE164('1'.repeat(MB), 'GB')],
    ['a 1 MB phone of spaced digits', () => toE164(`+44 ${'1 '.repeat(MB / 2)}`)],
    ['a 1 MB country name', () => toCountryCode('a é,'.repeat(MB / 4))],
    ['a 1 MB timestamp of digits', () => toIsoUtc('1'.repeat(MB))],
    ['a 1 MB timestamp of spaces', () => toIsoUtc(`01 Jan 2020${' '.repeat(MB)}x`)],
    ['a 1 MB mask', () => maskPii('a'.repeat(MB))],
  ])('handles %s within budget', (_name, work) => {
    // Act
    const { ms } = timed(work);
    // Assess
    expect(ms).toBeLessThan(BUDGET_MS);
  });

  it('does not read country text longer than any country name, however it is padded inside', () => {
    // Act / Assess
    expect(toCountryCode('United Kingdom')).toBe('GB');
    expect(toCountryCode(`United${' '.repeat(MAX_COUNTRY_TEXT)}Kingdom`)).toBeUndefined();
    expect(toCountryCode(`${' '.repeat(MAX_COUNTRY_TEXT)}United Kingdom `)).toBe('GB');
  });

  it('keeps the country memo bounded by entries and by key length when fed many long distinct keys', () => {
    // Prepare: 5,000 distinct 10 KB strings (50 MB of keys if the memo kept them), then 20,000 short ones
    const base = 'x'.repeat(10_000);
    // Act
    for (let i = 0; i < 5_000; i++) toCountryCode(`${i}${base}`);
    const afterLong = countryMemoFootprint();
    for (let i = 0; i < 20_000; i++) toCountryCode(`country ${i}`);
    const afterMany = countryMemoFootprint();
    // Assess
    expect(afterLong.keyChars).toBeLessThanOrEqual(10_000 * MAX_COUNTRY_TEXT);
    expect(afterMany.entries).toBeLessThanOrEqual(10_000);
    expect(afterMany.keyChars).toBeLessThanOrEqual(10_000 * MAX_COUNTRY_TEXT);
  });
});
