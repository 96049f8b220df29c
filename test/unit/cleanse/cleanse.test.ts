import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { toCountryCode } from '../../../shared/cleanse/country.ts';
import { normaliseEmail } from '../../../shared/cleanse/email.ts';
import { toE164 } from '../../../shared/cleanse/phone.ts';
import { hashPii, maskPii, secret } from '../../../shared/cleanse/pii.ts';
import { toIsoUtc } from '../../../shared/cleanse/timestamp.ts';
import { ConfigError } from '../../../shared/errors.ts';
import { cleanse } from '../../../shared/steps/cleanse.ts';
import { flowRecord, stepContext } from '../runtime/records.ts';

describe('country codes', () => {
  it.each([
    ['GB', 'GB'],
    ['gb', 'GB'],
    ['GBR', 'GB'],
    ['826', 'GB'],
    [826, 'GB'],
    ['United Kingdom', 'GB'],
    ['UNITED STATES', 'US'],
    ['U.S.A.', 'US'],
    ['uk', 'GB'],
    ['  Deutschland ', undefined],
    ['Germany', 'DE'],
    ["Côte d'Ivoire", 'CI'],
    ['England', 'GB'],
    ['Atlantis', undefined],
    ['', undefined],
    [null, undefined],
  ])('maps %j to %j', (input, expected) => {
    expect(toCountryCode(input)).toBe(expected);
  });
});

describe('phone numbers', () => {
  it('normalises national numbers with the record country and international numbers without one', () => {
    expect(toE164('(212) 555-0153', 'US')).toBe('+12125550153');
    expect(toE164('030 90182046', 'DE')).toBe('+493090182046');
    expect(toE164('+44 20 7946 0958')).toBe('+442079460958');
    expect(toE164('020 7946 0958', 'GB')).toBe('+442079460958');
  });

  it('rejects numbers that cannot be valid, and national numbers without a country', () => {
    expect(toE164('020 7946 057', 'GB')).toBeUndefined();
    expect(toE164('12', 'US')).toBeUndefined();
    expect(toE164('020 7946 0958')).toBeUndefined();
    expect(toE164('call me')).toBeUndefined();
  });
});

describe('emails and timestamps', () => {
  it('trims and lower-cases emails, rejecting non-addresses', () => {
    expect(normaliseEmail('  CUSTOMER8@EXAMPLE.COM ')).toBe('customer8@example.com');
    expect(normaliseEmail('not an email')).toBeUndefined();
  });

  it.each([
    [1795165201, '2026-11-20T09:00:01.000Z'],
    [1795165201000, '2026-11-20T09:00:01.000Z'],
    ['1795165201000', '2026-11-20T09:00:01.000Z'],
    ['2026-11-20T09:00:02.000+00:00', '2026-11-20T09:00:02.000Z'],
    ['2026-11-20T11:00:02+02:00', '2026-11-20T09:00:02.000Z'],
    ['2026-11-20T09:00:02', '2026-11-20T09:00:02.000Z'],
    ['2026-11-20 09:00:02Z', '2026-11-20T09:00:02.000Z'],
    ['2026-11-20', '2026-11-20T00:00:00.000Z'],
    ['Fri, 20 Nov 2026 09:00:00 GMT', '2026-11-20T09:00:00.000Z'],
    ['Fri, 20 Nov 2026 10:00:00 +0100', '2026-11-20T09:00:00.000Z'],
    ['20 Nov 2026 09:00 EST', '2026-11-20T14:00:00.000Z'],
    ['2026-11-20T09:00:02.123Z', '2026-11-20T09:00:02.123Z'],
    ['2026-11-20T09:00:02.123456789-05:30', '2026-11-20T14:30:02.123Z'],
    ['  2024-02-29T00:00:00Z ', '2024-02-29T00:00:00.000Z'],
    ['2026-02-30', undefined],
    ['2026-02-29T00:00:00Z', undefined],
    ['2026-11-20T24:00:00Z', undefined],
    ['Sun, 06 Nov 94 08:49:37 GMT', '1994-11-06T08:49:37.000Z'],
    ['foo 2020', undefined],
    ['2026-13-45', undefined],
    [Number.NaN, undefined],
  ])('normalises %j to %j', (input, expected) => {
    expect(toIsoUtc(input)).toBe(expected);
  });
});

describe('PII', () => {
  it('hashes with HMAC-SHA-256 keyed by the salt: stable, and different per salt', () => {
    const salt = 'a-salt-of-sixteen-chars';
    expect(hashPii('jane@example.com', salt)).toBe(hashPii('jane@example.com', salt));
    expect(hashPii('jane@example.com', salt)).not.toBe(hashPii('jane@example.com', `${salt}!`));
    expect(hashPii('jane@example.com', salt)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('masks all but the last characters, and emails down to first letter and domain', () => {
    expect(maskPii('4111111111111111')).toBe('************1111');
    expect(maskPii('jane@example.com')).toBe('j***@example.com');
  });

  it('never prints a secret salt', () => {
    const salt = secret(() => 'super-secret-salt-value');
    expect(String(salt)).toBe('[secret]');
    expect(JSON.stringify({ salt })).toBe('{"salt":"[secret]"}');
    expect(inspect({ salt })).not.toContain('super-secret');
  });
});

describe('cleanse step', () => {
  const raw = {
    country: 'UNITED STATES',
    email: '  CUSTOMER8@EXAMPLE.COM ',
    phone: '(212) 555-0153',
    createdAt: 'Fri, 20 Nov 2026 09:00:00 GMT',
    card: '4111111111111111',
    nested: { title: '  hi  ' },
  };

  it('standardises fields in declared order (the phone uses the cleansed country)', async () => {
    // Prepare
    const step = cleanse({
      fields: {
        country: 'country',
        email: 'email',
        phone: { phone: { countryField: 'country' } },
        createdAt: 'timestamp',
        card: { mask: { keepLast: 4 } },
        'nested.title': 'trim',
      },
    });
    // Act
    const result = await step.run([flowRecord(raw, 0)], stepContext());
    // Assess
    expect(result.records[0]?.value).toEqual({
      country: 'US',
      email: 'customer8@example.com',
      phone: '+12125550153',
      createdAt: '2026-11-20T09:00:00.000Z',
      card: '************1111',
      nested: { title: 'hi' },
    });
    expect(raw.nested.title).toBe('  hi  ');
  });

  it('hashes with a salt loaded once from a secret', async () => {
    // Prepare
    let loads = 0;
    const salt = secret(() => {
      loads++;
      return 'sixteen-char-salt!';
    });
    const step = cleanse({ fields: { email: { hash: salt } } });
    // Act
    await step.run([flowRecord({ email: 'a@b.co' }, 0)], stepContext());
    const result = await step.run([flowRecord({ email: 'a@b.co' }, 1)], stepContext());
    // Assess
    expect(result.records[0]?.value).toEqual({ email: hashPii('a@b.co', 'sixteen-char-salt!') });
    expect(loads).toBe(1);
  });

  it('dead-letters a record with an uncleansable field without echoing the value', async () => {
    // Act
    const result = await cleanse({ fields: { phone: { phone: { defaultCountry: 'GB' } } } }).run(
      [flowRecord({ phone: '123' }, 0), flowRecord({ other: 1 }, 1)],
      stepContext(),
    );
    // Assess
    expect(result.records.map((r) => r.source.offset)).toEqual([1]);
    expect(result.deadLetters[0]?.error.message).toBe('phone: cannot be cleansed (a string of 3 characters)');
  });

  it('can null out or keep uncleansable fields instead', async () => {
    const record = flowRecord({ country: 'Atlantis' }, 0);
    const nulled = await cleanse({ fields: { country: 'country' }, onInvalid: 'null' }).run(
      [record],
      stepContext(),
    );
    const kept = await cleanse({ fields: { country: 'country' }, onInvalid: 'keep' }).run(
      [record],
      stepContext(),
    );
    expect(nulled.records[0]?.value).toEqual({ country: null });
    expect(kept.records[0]?.value).toEqual({ country: 'Atlantis' });
  });

  it('rejects a plain-string salt and unknown rules at load time', () => {
    expect(() => cleanse({ fields: { email: { hash: 'salt' as never } } })).toThrow(ConfigError);
    expect(() => cleanse({ fields: { email: 'upper' as never } })).toThrow('cleanse.fields.email');
  });
});
