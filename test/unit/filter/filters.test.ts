import { describe, expect, it } from 'vitest';
import type { KafkaEventRecord } from '../../../shared/decode/event.ts';
import { ConfigError } from '../../../shared/errors.ts';
import { compileFilterCriteria } from '../../../shared/filter/evaluate.ts';
import { pushdown } from '../../../shared/filter/pattern.ts';
import { compileFilter } from '../../../shared/filter/predicate.ts';
import { anyOf, predicate, where } from '../../../shared/filter/where.ts';
import { eventRecord } from '../runtime/kafka-events.ts';
import { flowRecord } from '../runtime/records.ts';

const matches = (pattern: object, value: unknown, raw?: string | null): boolean =>
  compileFilterCriteria({ Filters: [{ Pattern: JSON.stringify(pattern) }] })(
    eventRecord(raw !== undefined ? { offset: 1, rawValue: raw } : { offset: 1, value }) as KafkaEventRecord,
  );

describe('filters as data', () => {
  it('compiles the documented example to one Kafka value pattern', () => {
    // Prepare
    const f = where({
      rating: { lte: 2 },
      'customer.tier': 'gold',
      source: { prefix: 'app' },
      email: { exists: true },
      status: { anythingBut: ['deleted'] },
    });
    // Act
    const result = pushdown(f);
    // Assess
    expect(result).toEqual({
      pushable: true,
      criteria: {
        Filters: [
          {
            Pattern: JSON.stringify({
              value: {
                rating: [{ numeric: ['<=', 2] }],
                customer: { tier: ['gold'] },
                source: [{ prefix: 'app' }],
                email: [{ exists: true }],
                status: [{ 'anything-but': ['deleted'] }],
              },
            }),
          },
        ],
      },
    });
  });

  it('pushes anyOf down as one filter per alternative (Lambda ORs them)', () => {
    // Prepare
    const f = anyOf(where({ rating: 1 }), anyOf(where({ rating: 2 }), where({ source: 'app' })));
    // Act
    const result = pushdown(f);
    // Assess
    expect(result.pushable && result.criteria.Filters.map((x) => x.Pattern)).toEqual([
      '{"value":{"rating":[{"numeric":["=",1]}]}}',
      '{"value":{"rating":[{"numeric":["=",2]}]}}',
      '{"value":{"source":["app"]}}',
    ]);
  });

  it('says why a code predicate cannot be pushed down', () => {
    // Act
    const result = pushdown(
      anyOf(
        where({ a: 1 }),
        predicate('is-weekend', () => true),
      ),
    );
    // Assess
    expect(result).toEqual({
      pushable: false,
      reason: 'predicate "is-weekend" is code; only where/anyOf filters can be pushed down',
    });
  });

  it('says why more than five alternatives cannot be pushed down', () => {
    // Act
    const result = pushdown(anyOf(...[1, 2, 3, 4, 5, 6].map((n) => where({ n }))));
    // Assess
    expect(result).toMatchObject({ pushable: false, reason: expect.stringContaining('at most 5 filters') });
  });

  it('says why a field under another filtered field cannot be pushed down', () => {
    // Act
    const result = pushdown(where({ customer: { exists: true }, 'customer.tier': 'gold' }));
    // Assess
    expect(result).toMatchObject({ pushable: false, reason: expect.stringContaining('customer.tier') });
  });

  it('rejects a malformed condition at load time, naming the field', () => {
    // Act / Assess
    expect(() => where({ rating: { lte: 2, lt: 3 } })).toThrow(
      new ConfigError('where.rating', 'is not a condition (use lt or lte, not both)'),
    );
    expect(() => where({ rating: { between: [1, 2] } as never })).toThrow(ConfigError);
    expect(() => where({})).toThrow('where: needs at least one field');
    expect(() => where({ 'a..b': 1 })).toThrow('where.a..b: is not a dotted field path');
  });

  it('matches in-process on leaves: arrays match when any element does, and objects are not leaves', () => {
    // Prepare
    const tagged = compileFilter(where({ 'items.sku': { prefix: 'A-' } }));
    const exists = compileFilter(where({ customer: { exists: true } }));
    // Act / Assess
    expect(tagged(flowRecord({ items: [{ sku: 'B-1' }, { sku: 'A-2' }] }))).toBe(true);
    expect(tagged(flowRecord({ items: [{ sku: 'B-1' }] }))).toBe(false);
    expect(exists(flowRecord({ customer: { tier: 'gold' } }))).toBe(false);
    expect(exists(flowRecord({ customer: 'c-1' }))).toBe(true);
    expect(exists(flowRecord(null))).toBe(false);
  });
});

describe('FilterCriteria evaluator', () => {
  it('matches JSON object values only: a non-JSON value or a tombstone never matches a value pattern', () => {
    expect(matches({ value: { a: [{ exists: false }] } }, { b: 1 })).toBe(true);
    expect(
      matches({ value: { a: [{ exists: false }] } }, undefined, Buffer.from('plain text').toString('base64')),
    ).toBe(false);
    expect(matches({ value: { a: [{ exists: false }] } }, undefined, null)).toBe(false);
    expect(matches({ value: { a: [{ exists: false }] } }, [1, 2])).toBe(false);
  });

  it('compares a plain-text value as a whole with a list pattern on value', () => {
    expect(
      matches({ value: [{ prefix: 'ERROR' }] }, undefined, Buffer.from('ERROR disk').toString('base64')),
    ).toBe(true);
    expect(
      matches({ value: [{ prefix: 'ERROR' }] }, undefined, Buffer.from('INFO ok').toString('base64')),
    ).toBe(false);
  });

  it('applies numeric ranges, equals-ignore-case, suffix, null and $or as documented', () => {
    expect(matches({ value: { price: [{ numeric: ['>', 10, '<=', 20] }] } }, { price: 20 })).toBe(true);
    expect(matches({ value: { price: [{ numeric: ['>', 10, '<=', 20] }] } }, { price: '15' })).toBe(false);
    expect(matches({ value: { name: [{ 'equals-ignore-case': 'alice' }] } }, { name: 'ALICE' })).toBe(true);
    expect(matches({ value: { file: [{ suffix: '.png' }] } }, { file: 'a.png' })).toBe(true);
    expect(matches({ value: { user: [null] } }, { user: null })).toBe(true);
    expect(matches({ value: { user: [null] } }, {})).toBe(false);
    expect(matches({ value: { $or: [{ a: [1] }, { b: [2] }] } }, { b: 2 })).toBe(true);
    expect(matches({ value: { $or: [{ a: [1] }, { b: [2] }] } }, { b: 3 })).toBe(false);
  });

  it('matches top-level metadata fields of the event record', () => {
    expect(
      compileFilterCriteria({ Filters: [{ Pattern: '{"partition":[0]}' }] })(eventRecord({ offset: 1 })),
    ).toBe(true);
    expect(
      compileFilterCriteria({ Filters: [{ Pattern: '{"partition":[1]}' }] })(eventRecord({ offset: 1 })),
    ).toBe(false);
  });

  it('passes every record when there are no filters and rejects malformed patterns at compile time', () => {
    expect(compileFilterCriteria(undefined)(eventRecord({ offset: 1 }))).toBe(true);
    expect(() =>
      compileFilterCriteria({ Filters: [{ Pattern: '{"value":{"a":[{"wildcard":"*"}]}}' }] }),
    ).toThrow('FilterCriteria.Filters[0].Pattern.value.a[0]: unsupported operator "wildcard"');
    expect(() => compileFilterCriteria({ Filters: [{ Pattern: 'nope' }] })).toThrow(ConfigError);
  });
});

describe('pushdown by stage', () => {
  it('says an output `when` cannot be pushed down, since it may read enriched fields', () => {
    // Act
    const result = pushdown(where({ rating: { lte: 2 }, 'customer.tier': 'gold' }), { stage: 'output' });
    // Assess
    expect(result).toMatchObject({ pushable: false, reason: expect.stringContaining('customer.tier') });
  });
});
