import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/errors.ts';
import { aggregate } from '../../../shared/stateful/aggregate.ts';
import { count } from '../../../shared/stateful/aggregate-reduce.ts';
import { join } from '../../../shared/stateful/join.ts';
import { tumbling } from '../../../shared/stateful/window.ts';
import { rekey } from '../../../shared/steps/rekey.ts';
import { defineFlow } from '../../../shared/topology/flow.ts';
import { defineTables, defineTopics, type TopicOptions } from '../../../shared/topology/resources.ts';
import { defineTopology } from '../../../shared/topology/topology.ts';
import { memoryTopic } from '../runtime/memory-output.ts';

const tables = defineTables({ state: { name: 'product-stats', partitionKey: 'pk', sortKey: 'sk' } });

/**
 * reviews (keyed by review id) → rekey by `rekeyBy` → the repartition topic (declared with `repartition`) →
 * hourly counts grouped by `groupBy`.
 */
const topologyWith = (o: { repartition?: Partial<TopicOptions>; rekeyBy?: string; groupBy?: unknown }) => {
  const topics = defineTopics({
    reviews: { name: 'reviews.enriched', format: 'json', partitions: 3, keyedBy: 'reviewId' },
    byProduct: {
      name: 'reviews.by-product',
      format: 'json',
      partitions: 3,
      internal: true,
      ...o.repartition,
    },
    stats: { name: 'reviews.product-stats', format: 'json', partitions: 3, internal: true },
    dead: { name: 'ratings.dlq', format: 'bytes', partitions: 1, internal: true },
  });
  const byProduct = defineFlow({
    name: 'reviews-by-product',
    source: { topic: topics.reviews },
    steps: [rekey({ name: 'by-product', key: o.rekeyBy ?? 'productId' })],
    outputs: [memoryTopic(topics.byProduct)],
    deadLetter: memoryTopic(topics.dead),
  });
  const ratings = defineFlow({
    name: 'product-ratings',
    source: { topic: topics.byProduct },
    steps: [
      aggregate({
        name: 'ratings',
        state: tables.state,
        key: (o.groupBy ?? 'productId') as string,
        window: tumbling('1h'),
        reduce: count(),
      }),
    ],
    outputs: [memoryTopic(topics.stats)],
    deadLetter: memoryTopic(topics.dead),
  });
  return () => defineTopology({ topics, tables, flows: [byProduct, ratings] });
};

const configError = (make: () => unknown): ConfigError => {
  try {
    make();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('no ConfigError');
};

describe('repartitioning declared by the topology (topics keyedBy a value field)', () => {
  it('accepts an aggregation reading the repartition topic keyed by its grouping key', () => {
    // Act
    const topology = topologyWith({ repartition: { keyedBy: 'productId' } })();
    // Assess
    expect(topology.topic('reviews.by-product')?.keyedBy).toBe('productId');
  });

  it('refuses an aggregation whose grouping key is not its source topic’s key, naming the flow and the fix', () => {
    // Act: the aggregation reads a topic keyed by review id.
    const error = configError(topologyWith({ repartition: { keyedBy: 'reviewId' }, rekeyBy: 'reviewId' }));
    // Assess
    expect(error.path).toBe('flows.product-ratings.steps[0] (ratings).key');
    expect(error.message).toMatch(
      /flow product-ratings groups by "productId", but its source topic "reviews.by-product" is keyed by "reviewId": declare a repartition topic keyed by it \(keyedBy: 'productId', internal: true\), write it from a flow that rekeys the records \(rekey\(\{ key: 'productId' \}\)\)/,
    );
  });

  it('refuses an aggregation over a topic that declares no key', () => {
    // Act
    const error = configError(topologyWith({ repartition: {}, rekeyBy: 'function' }));
    // Assess
    expect(error.path).toBe('flows.product-ratings.steps[0] (ratings).key');
    expect(error.message).toMatch(/is not declared keyedBy it: declare a repartition topic/);
  });

  it('refuses a rekey flow writing a topic not declared keyed by its new key', () => {
    // Act
    const error = configError(topologyWith({ repartition: { keyedBy: 'productId' }, rekeyBy: 'customerId' }));
    // Assess
    expect(error.path).toBe('flows.reviews-by-product.outputs[0]');
    expect(error.message).toMatch(
      /rekeys its records by "customerId" \(steps\[0\] by-product\), but writes topic "reviews.by-product", which is declared keyedBy "productId"/,
    );
  });

  it('rejects a keyedBy that is not a field name, naming the topic', () => {
    // Act
    const error = configError(() =>
      defineTopics({ t: { name: 'reviews.x', format: 'json', partitions: 1, keyedBy: '' } }),
    );
    // Assess
    expect(error.path).toBe('topics.t.keyedBy');
  });

  it('holds a join co-partitioned when each side’s topic is declared keyedBy the join key', () => {
    // Prepare
    const topics = defineTopics({
      reviews: { name: 'reviews.by-customer', format: 'json', partitions: 3, keyedBy: 'customerId' },
      orders: { name: 'orders.by-customer', format: 'json', partitions: 3, keyedBy: 'customerId' },
      out: { name: 'reviews.verified', format: 'json', partitions: 3, internal: true },
      dead: { name: 'dead-letters', format: 'bytes', partitions: 1, internal: true },
    });
    const side = (
      name: string,
      side: 'left' | 'right',
      topic: typeof topics.reviews,
      other: typeof topics.reviews,
    ) =>
      defineFlow({
        name,
        source: { topic },
        steps: [
          join({
            name: 'verified',
            state: tables.state,
            side,
            other,
            key: 'customerId',
            within: { before: 1000, after: 0 },
            grace: 0,
          }),
        ],
        outputs: [memoryTopic(topics.out)],
        deadLetter: memoryTopic(topics.dead),
      });
    // Act
    const topology = defineTopology({
      topics,
      tables,
      flows: [
        side('reviews-side', 'left', topics.reviews, topics.orders),
        side('orders-side', 'right', topics.orders, topics.reviews),
      ],
    });
    // Assess
    expect(topology.flows).toHaveLength(2);
  });
});
