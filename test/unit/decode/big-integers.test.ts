import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  firstUnsafeInteger,
  mayHoldUnsafeInteger,
  pathOfNumber,
} from '../../../shared/decode/big-integers.ts';
import { decodeBatch } from '../../../shared/decode/decode-batch.ts';
import { kafkaEvent } from '../runtime/kafka-events.ts';

const decode = (rawText: string) =>
  decodeBatch(kafkaEvent([{ offset: 1, value: rawText }]), { formats: { 'reviews.raw': 'json' } });

describe('integers beyond 2^53 in JSON values', () => {
  it('dead-letter the record with the integer and its path instead of rounding it silently', () => {
    // Act
    const { records, deadLetters } = decode('{"order":{"lines":[{"id":12345678901234567890}]},"note":"ok"}');
    // Assess
    expect(records).toEqual([]);
    expect(deadLetters.map((d) => [d.stage, d.error.name, d.error.message])).toEqual([
      [
        'decode',
        'DecodeError',
        'json integer 12345678901234567890 at $.order.lines[0].id exceeds 2^53 and would be silently rounded (send it as a string)',
      ],
    ]);
  });

  it('pass safe integers, long digit runs inside strings, and floats written with a fraction or exponent', () => {
    // Act
    const { records, deadLetters } = decode(
      '{"max":9007199254740991,"min":-9007199254740991,"card":"12345678901234567890","f":1.2345678901234567890,"e":12345678901234567e3}',
    );
    // Assess
    expect(deadLetters).toEqual([]);
    expect(records[0]?.value).toMatchObject({ max: 9007199254740991, card: '12345678901234567890' });
  });

  it('catch 2^53 + 1 and negative ones, keep integers that come back as the same text, and skip strings with escaped quotes', () => {
    expect(firstUnsafeInteger('[9007199254740993]')).toBe('9007199254740993');
    expect(
      firstUnsafeInteger('[9007199254740992, 100000000000000000000, -23724836652796030]'),
    ).toBeUndefined();
    expect(firstUnsafeInteger('{"a":"x\\"1234567890123456789","b":-99999999999999999}')).toBe(
      '-99999999999999999',
    );
    expect(pathOfNumber({ 'a b': [0, { c: 1e20 }] }, 1e20)).toBe('$["a b"][1].c');
  });

  it('look for a 16-digit run exactly when a regex would find one (reading one character in 16)', () => {
    // Prepare
    const text = fc.stringMatching(/^[0-9a"]{0,80}$/);
    // Act / Assess
    fc.assert(
      fc.property(text, (t) => mayHoldUnsafeInteger(t) === /\d{16}/.test(t)),
      { numRuns: 2_000 },
    );
  });

  it('find an integer exactly when JSON.parse would alter one, over arbitrary JSON with big integers mixed in', () => {
    // Prepare: JSON text from values whose integers may be BigInts, written as plain integer tokens
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
        fc.integer(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.string(),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(fc.string({ maxLength: 4 }), tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    const write = (v: unknown): string =>
      typeof v === 'bigint'
        ? v.toString()
        : Array.isArray(v)
          ? `[${v.map(write).join(',')}]`
          : v !== null && typeof v === 'object'
            ? `{${Object.entries(v)
                .map(([k, x]) => `${JSON.stringify(k)}:${write(x)}`)
                .join(',')}}`
            : JSON.stringify(v);
    const unsafe = (v: unknown): boolean =>
      typeof v === 'bigint'
        ? String(Number(v)) !== v.toString()
        : Array.isArray(v)
          ? v.some(unsafe)
          : v !== null && typeof v === 'object' && Object.values(v).some(unsafe);
    // Act / Assess
    fc.assert(
      fc.property(json, (v) => {
        const text = write(v);
        const found = mayHoldUnsafeInteger(text) ? firstUnsafeInteger(text) : undefined;
        return (found !== undefined) === unsafe(v);
      }),
      { numRuns: 1_000 },
    );
  });
});
