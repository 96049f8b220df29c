import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RetriableError, Stage, StepError, ValidationError } from '../../../shared/errors.ts';
import { where } from '../../../shared/filter/where.ts';
import { filter } from '../../../shared/steps/filter.ts';
import { map } from '../../../shared/steps/map.ts';
import { route } from '../../../shared/steps/route.ts';
import { validate } from '../../../shared/steps/validate.ts';
import { defineTopics } from '../../../shared/topology/resources.ts';
import { flowRecord, stepContext } from '../runtime/records.ts';

const topics = defineTopics({
  reviews: { name: 'reviews', format: 'json', partitions: 1 },
  alerts: { name: 'alerts', format: 'json', partitions: 1 },
  other: { name: 'other', format: 'json', partitions: 1 },
});

describe('filter step', () => {
  it('keeps matching records in order and counts the dropped ones', async () => {
    // Prepare
    const records = [1, 5, 2, 4].map((rating, i) => flowRecord({ rating }, i));
    // Act
    const result = await filter(where({ rating: { gte: 4 } })).run(records, stepContext());
    // Assess
    expect(result.records.map((r) => r.source.offset)).toEqual([1, 3]);
    expect(result.dropped).toBe(2);
  });
});

describe('map step', () => {
  it('replaces values, keeping source bytes, key and headers', async () => {
    // Prepare
    const record = flowRecord({ a: 1 }, 3);
    // Act
    const result = await map((v) => ({ ...v, b: 2 })).run([record], stepContext());
    // Assess
    expect(result.records[0]).toMatchObject({ key: 'k-3', value: { a: 1, b: 2 }, headers: { trace: 't-3' } });
    expect(result.records[0]?.source).toBe(record.source);
  });

  it('dead-letters only the record whose function throws, as a StepError with the cause', async () => {
    // Prepare
    const records = [flowRecord({ a: 1 }, 0), flowRecord({ boom: true }, 1), flowRecord({ a: 2 }, 2)];
    const fn = (v: { boom?: boolean }) => {
      if (v.boom) throw new TypeError('cannot read x');
      return v;
    };
    // Act
    const result = await map(fn, { name: 'shape' }).run(records, stepContext());
    // Assess
    expect(result.records.map((r) => r.source.offset)).toEqual([0, 2]);
    expect(result.deadLetters).toHaveLength(1);
    expect(result.deadLetters[0]).toMatchObject({ stage: Stage.Step, component: 'shape' });
    expect(result.deadLetters[0]?.error).toBeInstanceOf(StepError);
    expect(result.deadLetters[0]?.error.message).toBe('shape threw: cannot read x');
  });

  it('lets a retriable error fail the step so the batch is retried', async () => {
    // Prepare
    const fn = () => {
      throw new RetriableError('downstream busy');
    };
    // Act / Assess
    await expect(async () => map(fn).run([flowRecord({}, 0)], stepContext())).rejects.toThrow(
      'downstream busy',
    );
  });

  it('passes tombstones through untouched and drops records mapped to undefined', async () => {
    // Act
    const result = await map((v) => (v.keep ? v : undefined)).run(
      [flowRecord(null, 0), flowRecord({ keep: false }, 1), flowRecord({ keep: true }, 2)],
      stepContext(),
    );
    // Assess
    expect(result.records.map((r) => [r.source.offset, r.value])).toEqual([
      [0, null],
      [2, { keep: true }],
    ]);
    expect(result.dropped).toBe(1);
  });
});

describe('validate step', () => {
  const review = z.object({ reviewId: z.string(), rating: z.number().int().min(1).max(5) });

  it('dead-letters invalid records with each zod issue path in the message', async () => {
    // Prepare
    const records = [
      flowRecord({ reviewId: 'r1', rating: 4 }, 0),
      flowRecord({ reviewId: 7, rating: 'five' }, 1),
    ];
    // Act
    const result = await validate(review).run(records, stepContext());
    // Assess
    expect(result.records).toHaveLength(1);
    const [dead] = result.deadLetters;
    expect(dead?.stage).toBe(Stage.Validate);
    expect(dead?.error).toBeInstanceOf(ValidationError);
    expect(dead?.error.message).toBe(
      'reviewId: Invalid input: expected string, received number; rating: Invalid input: expected number, received string',
    );
  });

  it('dead-letters valid JSON of the wrong shape (an array) against an object schema', async () => {
    // Act
    const result = await validate(review).run([flowRecord([1, 2], 0)], stepContext());
    // Assess
    expect(result.deadLetters[0]?.error.message).toBe(
      '(value): Invalid input: expected object, received array',
    );
  });

  it('passes the schema output on (defaults applied) and tombstones through', async () => {
    // Prepare
    const withDefault = review.extend({ source: z.string().default('unknown') });
    // Act
    const result = await validate(withDefault).run(
      [flowRecord({ reviewId: 'r', rating: 1 }, 0), flowRecord(null, 1)],
      stepContext(),
    );
    // Assess
    expect(result.records.map((r) => r.value)).toEqual([
      { reviewId: 'r', rating: 1, source: 'unknown' },
      null,
    ]);
  });

  it('names nested paths with dots and array positions', async () => {
    // Prepare
    const schema = z.object({ items: z.array(z.object({ sku: z.string() })) });
    // Act
    const result = await validate(schema).run(
      [flowRecord({ items: [{ sku: 'a' }, { sku: 1 }] }, 0)],
      stepContext(),
    );
    // Assess
    expect(result.deadLetters[0]?.error.message).toMatch(/^items\[1\]\.sku: /);
  });
});

describe('route step', () => {
  const byRating = route({
    to: [topics.reviews, topics.alerts],
    select: (v: { rating: number }) =>
      v.rating <= 2 ? topics.alerts : v.rating === 3 ? null : topics.reviews,
  });

  it('marks each record with the topic chosen from its content, and drops records routed nowhere', async () => {
    // Act
    const result = await byRating.run(
      [1, 3, 5].map((rating, i) => flowRecord({ rating }, i)),
      stepContext(),
    );
    // Assess
    expect(result.records.map((r) => [r.source.offset, r.route])).toEqual([
      [0, 'alerts'],
      [2, 'reviews'],
    ]);
    expect(result.dropped).toBe(1);
    expect(byRating.routesTo?.map((t) => t.name)).toEqual(['reviews', 'alerts']);
  });

  it('dead-letters a record routed to a topic outside its `to` list', async () => {
    // Prepare
    const wrong = route({ to: [topics.reviews], select: () => topics.other });
    // Act
    const result = await wrong.run([flowRecord({}, 0)], stepContext());
    // Assess
    expect(result.deadLetters[0]?.error.message).toBe(
      'route selected topic "other", which is not in its `to` list',
    );
  });
});
