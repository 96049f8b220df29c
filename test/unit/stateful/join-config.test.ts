import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/errors.ts';
import { join } from '../../../shared/stateful/join.ts';
import type { JoinOptions } from '../../../shared/stateful/join-options.ts';
import { defineFlow } from '../../../shared/topology/flow.ts';
import { defineTables, defineTopics } from '../../../shared/topology/resources.ts';
import { defineTopology } from '../../../shared/topology/topology.ts';
import { memoryTopic } from '../runtime/memory-output.ts';

const topics = defineTopics({
  reviews: { name: 'reviews.clean', format: 'json', partitions: 3 },
  orders: { name: 'orders', format: 'json', partitions: 3 },
  orders6: { name: 'orders.wide', format: 'json', partitions: 6 },
  verified: { name: 'reviews.verified', format: 'json', partitions: 3, internal: true },
  dead: { name: 'dead-letters', format: 'bytes', partitions: 1, internal: true },
});
const tables = defineTables({
  joins: { name: 'join-state', partitionKey: 'pk', sortKey: 'sk' },
  customers: { name: 'customers', partitionKey: 'customerId' },
});

const options = (overrides: Partial<JoinOptions> = {}): JoinOptions => ({
  name: 'verified-reviews',
  state: tables.joins,
  side: 'left',
  other: topics.orders,
  within: { before: '30d', after: 0 },
  grace: '1h',
  ...overrides,
});

const configError = (make: () => unknown): ConfigError => {
  try {
    make();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('no ConfigError');
};

const sides = (
  left: Partial<JoinOptions> = {},
  right: Partial<JoinOptions> = {},
  rightTopic = topics.orders,
) => {
  const flow = (name: string, topic: typeof topics.reviews, o: JoinOptions) =>
    defineFlow({
      name,
      source: { topic },
      steps: [join(o)],
      outputs: [memoryTopic(topics.verified)],
      deadLetter: memoryTopic(topics.dead),
    });
  return [
    flow('reviews-side', topics.reviews, options(left)),
    flow('orders-side', rightTopic, options({ side: 'right', other: topics.reviews, ...right })),
  ];
};

const topology = (flows: ReturnType<typeof sides>) => defineTopology({ topics, tables, flows });

describe('a join declared wrong fails at load time, naming the flow and the field', () => {
  it.each([
    ['a negative grace', { grace: -1 }, 'grace'],
    ['a grace in an unknown unit', { grace: '1w' as never }, 'grace'],
    ['a negative before', { within: { before: -5, after: 0 } }, 'within.before'],
    ['a fractional after', { within: { before: 0, after: 1.5 } }, 'within.after'],
    ['an unknown window key', { within: { before: 0, after: 0, size: 3 } as never }, 'within.size'],
    ['an unknown join type', { type: 'full' as never }, 'type'],
    ['an unknown option', { windowMs: 5 } as never, 'windowMs'],
    ['a state table without a sort key', { state: tables.customers }, 'state'],
    ['a side that is neither', { side: 'middle' as never }, 'side'],
    ['a maxFuture that is not a duration', { maxFuture: 'soon' as never }, 'maxFuture'],
    ['a state TTL under a second', { stateTtl: 500 }, 'stateTtl'],
  ])('%s', (_, overrides, field) => {
    // Act
    const error = configError(() => sides(overrides as Partial<JoinOptions>));
    // Assess
    expect(error.path).toBe(`flows.reviews-side.steps[0].${field}`);
  });

  it('names the join when it is checked outside a flow', () => {
    // Act
    const error = configError(() => join(options({ grace: -1 })).join);
    // Assess
    expect(error.path).toBe('join(verified-reviews).grace');
  });
});

describe("a join's durations", () => {
  it('takes what aggregate takes: text with a unit, or a number of milliseconds', () => {
    // Act
    const text = join(
      options({ within: { before: '30d', after: '90s' }, grace: '1h', maxFuture: '10m' }),
    ).join;
    const ms = join(options({ within: { before: 2_592_000_000, after: 90_000 }, grace: 3_600_000 })).join;
    // Assess
    expect(text.window).toEqual({ beforeMs: 2_592_000_000, afterMs: 90_000, graceMs: 3_600_000 });
    expect(ms.window).toEqual(text.window);
    expect(text.maxFutureMs).toBe(600_000);
    expect(text.stateTtlSeconds).toBe(604_800);
  });
});

describe("defineTopology and a join's two sides", () => {
  it('accepts two co-partitioned topics joined on their keys', () => {
    // Act
    const t = topology(sides());
    // Assess
    expect(t.flows.map((f) => f.name)).toEqual(['reviews-side', 'orders-side']);
  });

  it('refuses topics with different partition counts, naming both flows', () => {
    // Act
    const error = configError(() =>
      defineTopology({ topics, tables, flows: sides({ other: topics.orders6 }, {}, topics.orders6) }),
    );
    // Assess
    expect(error.message).toMatch(
      /reviews-side \(left\) and orders-side \(right\).*not co-partitioned.*3 partitions.*6/,
    );
  });

  it('refuses a side that joins on a value field its topic is not keyed by', () => {
    // Act
    const error = configError(() => topology(sides({}, { key: 'customerId' })));
    // Assess
    expect(error.path).toBe('flows.orders-side.steps[0] (join verified-reviews).key');
    expect(error.message).toMatch(/joins on customerId, which is not the key of topic "orders"/);
  });

  it('accepts a value field declared to be the topic key', () => {
    // Act
    const t = topology(
      sides({ key: 'customerId', topicKeyed: true }, { key: 'customerId', topicKeyed: true }),
    );
    // Assess
    expect(t.flows).toHaveLength(2);
  });

  it('refuses a join with only one side', () => {
    // Act
    const error = configError(() => topology(sides().slice(0, 1)));
    // Assess
    expect(error.message).toMatch(
      /needs one left and one right side, found 1 left \(reviews-side\) and 0 right/,
    );
  });

  it('refuses sides that declare different windows', () => {
    // Act
    const error = configError(() => topology(sides({}, { grace: 0 })));
    // Assess
    expect(error.path).toBe('flows.orders-side.steps[0] (join verified-reviews).within');
  });

  it("refuses a side whose `other` is not the other side's topic", () => {
    // Act
    const error = configError(() => topology(sides({ other: topics.orders6 })));
    // Assess
    expect(error.message).toMatch(/is "orders.wide", but the right side, flow orders-side, reads "orders"/);
  });
});

describe("a join's state grant", () => {
  it('names the items the join keeps, so the CDK app grants those and its TTL attribute expires them', () => {
    // Act
    const step = join(options());
    // Assess: every state item's key starts with the join's name (join-state.ts), and the CDK app's grant on
    // the state table is limited to those leading keys.
    expect(step.keepsStateIn).toEqual([tables.joins]);
    expect(step.stateKeys).toEqual(['verified-reviews#*']);
  });
});
