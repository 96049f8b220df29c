import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/errors.ts';
import { aggregate } from '../../../shared/stateful/aggregate.ts';
import { count } from '../../../shared/stateful/aggregate-reduce.ts';
import { hopping, tumbling } from '../../../shared/stateful/window.ts';
import { defineFlow } from '../../../shared/topology/flow.ts';
import { defineTables, defineTopics } from '../../../shared/topology/resources.ts';
import { defineTopology } from '../../../shared/topology/topology.ts';
import { memoryTopic } from '../runtime/memory-output.ts';

const topics = defineTopics({
  reviews: { name: 'reviews.clean', format: 'json', partitions: 2, keyedBy: 'productId' },
  stats: { name: 'reviews.product-stats', format: 'json', partitions: 2 },
  dead: { name: 'reviews.dlq', format: 'bytes', partitions: 1 },
});
const tables = defineTables({
  stats: { name: 'product-stats', partitionKey: 'pk', sortKey: 'sk' },
  customers: { name: 'customers', partitionKey: 'customerId' },
});

const flowWith = (step: ReturnType<typeof aggregate>, name = 'product-ratings') =>
  defineFlow({
    name,
    source: { topic: topics.reviews },
    steps: [step],
    outputs: [memoryTopic(topics.stats)],
    deadLetter: memoryTopic(topics.dead),
  });

const thrown = (define: () => unknown): ConfigError => {
  try {
    define();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('no ConfigError was thrown');
};

const ratings = { name: 'ratings', state: tables.stats, key: 'productId', reduce: count() } as const;

describe('an aggregate step is checked when its flow is defined', () => {
  it('a negative grace names the flow, the step and the field', () => {
    // Prepare
    const step = aggregate({ ...ratings, window: tumbling('1h'), grace: -1 });
    // Act
    const error = thrown(() => flowWith(step));
    // Assess
    expect(error.path).toBe('flows.product-ratings.steps[0].grace');
  });

  it('a window cache size that is not a whole number of at least 1 names the flow and the field', () => {
    // Prepare
    const step = aggregate({ ...ratings, window: tumbling('1h'), cachedWindows: 0.5 });
    // Act
    const error = thrown(() => flowWith(step));
    // Assess
    expect(error.path).toBe('flows.product-ratings.steps[0].cachedWindows');
  });

  it('a hopping advance larger than the size names the flow and the field', () => {
    // Prepare
    const step = aggregate({ ...ratings, window: hopping('5m', '1h') });
    // Act
    const error = thrown(() => flowWith(step));
    // Assess
    expect(error.path).toBe('flows.product-ratings.steps[0].window.advance');
    expect(error.message).toMatch(/must not exceed the size/);
  });

  it('a state table without string partition and sort keys is refused', () => {
    // Prepare
    const step = aggregate({ ...ratings, state: tables.customers, window: tumbling('1h') });
    // Act
    const error = thrown(() => flowWith(step));
    // Assess
    expect(error.path).toBe('flows.product-ratings.steps[0].state');
  });

  it('an unknown option is refused at its path', () => {
    // Prepare
    const step = aggregate({ ...ratings, window: tumbling('1h'), graceMs: 5 } as never);
    // Act
    const error = thrown(() => flowWith(step));
    // Assess
    expect(error.path).toBe('flows.product-ratings.steps[0].graceMs');
  });

  it('a valid aggregate declares the table it keeps state in, and only its own items', () => {
    // Prepare
    const step = aggregate({ ...ratings, window: tumbling('1h'), grace: '10m' });
    // Act
    const flow = flowWith(step);
    // Assess
    expect(flow.steps[0]?.keepsStateIn).toEqual([tables.stats]);
    expect(flow.steps[0]?.stateKeys).toEqual(['w|ratings|*', 'o|ratings|*', 'm|ratings']);
  });
});

describe('the topology checks stateful steps', () => {
  it('refuses a state table it does not declare', () => {
    // Prepare
    const flow = flowWith(aggregate({ ...ratings, window: tumbling('1h') }));
    // Act
    const error = thrown(() =>
      defineTopology({ topics, tables: { customers: tables.customers }, flows: [flow] }),
    );
    // Assess
    expect(error.path).toBe('flows.product-ratings.steps[0] (ratings)');
    expect(error.message).toMatch(/keeps state in table "product-stats", which is not declared/);
  });

  it('refuses two stateful steps of one name in one table, which would share their items', () => {
    // Prepare
    const one = flowWith(aggregate({ ...ratings, window: tumbling('1h') }), 'ratings-a');
    const two = defineFlow({
      name: 'ratings-b',
      source: { topic: topics.reviews, consumerGroup: 'b' },
      steps: [aggregate({ ...ratings, window: tumbling('1d') })],
      outputs: [memoryTopic(topics.stats)],
      deadLetter: memoryTopic(topics.dead),
    });
    // Act
    const error = thrown(() => defineTopology({ topics, tables, flows: [one, two] }));
    // Assess
    expect(error.path).toBe('flows.ratings-b.steps[0] (ratings).name');
  });
});
