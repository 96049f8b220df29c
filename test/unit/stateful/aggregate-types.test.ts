// Typed windowed aggregation in the flow builder. The type checks are made by `tsc --noEmit` (part of
// `npm test`): each `@ts-expect-error` line must be an error, each `expectTypeOf` must hold.
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  aggregate,
  avg,
  count,
  defineFlow,
  defineTables,
  defineTopics,
  reduce,
  toTopic,
  tumbling,
  typed,
  type WindowResult,
} from '../../../shared/index.ts';

interface Review {
  readonly productId: string;
  readonly rating: number;
  readonly reviewedAt: string;
}

// Prepare
const topics = defineTopics({
  reviews: typed<Review>({ name: 'reviews.clean', format: 'json', partitions: 1 }),
  stats: { name: 'reviews.product-stats', format: 'json', partitions: 1, internal: true },
  dead: { name: 'reviews.dlq', format: 'bytes', partitions: 1 },
});
const tables = defineTables({ stats: { name: 'product-stats', partitionKey: 'pk', sortKey: 'sk' } });
const head = { name: 'product-ratings', source: { topic: topics.reviews }, deadLetter: toTopic(topics.dead) };

describe('a typed aggregate in the flow builder', () => {
  it('reads fields of the record type and gives window results of the reduction type', () => {
    // Act
    const flow = defineFlow(head)
      .step(
        aggregate({
          name: 'ratings',
          state: tables.stats,
          key: 'productId',
          eventTime: 'reviewedAt',
          window: tumbling('1h'),
          reduce: avg('rating'),
        }),
      )
      .to(toTopic(topics.stats));
    // Assess
    expectTypeOf(flow)
      .toHaveProperty('~types')
      .toEqualTypeOf<{ readonly in: Review; readonly out: WindowResult<number | null> } | undefined>();
    expect(flow.steps.map((s) => s.kind)).toEqual(['aggregate']);
  });

  it('refuses a misspelt field and types a reduce callback with the record', () => {
    // Act
    const misspelt = () =>
      defineFlow(head).step(
        aggregate({
          name: 'ratings',
          state: tables.stats,
          // @ts-expect-error: Review has no productID
          key: 'productID',
          window: tumbling('1h'),
          reduce: count(),
        }),
      );
    const folded = defineFlow(head).step(
      aggregate({
        name: 'ratings',
        state: tables.stats,
        key: (review) => review.productId,
        window: tumbling('1h'),
        reduce: reduce({ initial: 0, add: (n: number, review: Review) => n + review.rating }),
      }),
    );
    // Assess
    expect(misspelt).not.toThrow();
    expect(folded).toBeDefined();
  });
});
