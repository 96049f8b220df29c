import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoText } from '../../../shared/cleanse/iso-text.ts';
import { toEpochMillis, toIsoUtc } from '../../../shared/cleanse/timestamp.ts';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

describe('timestamps on the fast paths', () => {
  it('formats every millisecond of years 0000–9999 exactly as Date#toISOString does', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), (ms) => {
        expect(isoText(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 20_000 },
    );
    for (const ms of [0, -1, 951_782_400_000, 951_868_800_000, 4_107_542_400_000, 253_402_300_799_999])
      expect(isoText(ms)).toBe(new Date(ms).toISOString());
  });

  it('defers years outside 0000–9999 to Date, which writes them with six digits and a sign', () => {
    expect(isoText(253_402_300_800_000)).toBe('+010000-01-01T00:00:00.000Z');
    expect(isoText(-62_167_219_200_001)).toBe('-000001-12-31T23:59:59.999Z');
  });

  it('reads `YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH:MM]` as the instant it names', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 253_402_300_799_999 - 86_400_000 }),
        fc.integer({ min: -14 * 60, max: 14 * 60 }),
        fc.constantFrom('', 'Z', 'offset'),
        fc.integer({ min: 0, max: 3 }),
        (ms, offsetMinutes, zone, fractionDigits) => {
          const offset = zone === 'offset' ? offsetMinutes : 0;
          const local = new Date(ms + offset * 60_000);
          const fraction =
            fractionDigits === 0 ? '' : `.${pad(local.getUTCMilliseconds(), 3).slice(0, fractionDigits)}`;
          const sign = offset < 0 ? '-' : '+';
          const suffix =
            zone === 'offset'
              ? `${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`
              : zone;
          const text = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}${fraction}${suffix}`;
          const kept =
            fractionDigits === 0
              ? 0
              : Math.floor(local.getUTCMilliseconds() / 10 ** (3 - fractionDigits)) *
                10 ** (3 - fractionDigits);
          expect(toEpochMillis(text)).toBe(ms - local.getUTCMilliseconds() + kept);
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('refuses impossible fields on the fast path instead of rolling them over', () => {
    expect(toIsoUtc('2026-02-29T00:00:00Z')).toBeUndefined();
    expect(toIsoUtc('2026-11-20T09:60:00Z')).toBeUndefined();
    expect(toIsoUtc('2026-11-20T09:00:00+0a:00')).toBeUndefined();
    expect(toIsoUtc('2026-11-20T09:00:00.Z')).toBeUndefined();
  });
});
