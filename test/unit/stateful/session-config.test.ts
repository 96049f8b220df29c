import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/errors.ts';
import { aggregate } from '../../../shared/stateful/aggregate.ts';
import { count, reduce } from '../../../shared/stateful/aggregate-reduce.ts';
import { session } from '../../../shared/stateful/window.ts';
import { defineFlow } from '../../../shared/topology/flow.ts';
import { defineTables, defineTopics } from '../../../shared/topology/resources.ts';
import { memoryTopic } from '../runtime/memory-output.ts';

const topics = defineTopics({
  clicks: { name: 'clicks', format: 'json', partitions: 2 },
  visits: { name: 'visits', format: 'json', partitions: 2 },
  dead: { name: 'clicks.dlq', format: 'bytes', partitions: 1 },
});
const tables = defineTables({ state: { name: 'visit-state', partitionKey: 'pk', sortKey: 'sk' } });

const flowWith = (step: ReturnType<typeof aggregate>) =>
  defineFlow({
    name: 'user-visits',
    source: { topic: topics.clicks },
    steps: [step],
    outputs: [memoryTopic(topics.visits)],
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

const visits = { name: 'visits', state: tables.state, key: 'user' } as const;

describe('a session aggregation is checked when its flow is defined', () => {
  it.each([0, '0m', -5])('a gap of %s names the flow, the step and the field', (gap) => {
    // Prepare
    const step = aggregate({ ...visits, window: session(gap as never), reduce: count() });
    // Act
    const error = thrown(() => flowWith(step));
    // Assess
    expect(error.path).toBe('flows.user-visits.steps[0].window.gap');
  });

  it('a typed reduce without merge names the flow and the field', () => {
    // Prepare
    const step = aggregate({
      ...visits,
      window: session('30m'),
      reduce: reduce({ initial: 0, add: (n: number) => n + 1 }),
    });
    // Act
    const error = thrown(() => flowWith(step));
    // Assess
    expect(error.path).toBe('flows.user-visits.steps[0].reduce.merge');
    expect(error.message).toMatch(/merge\(a, b\)/);
  });

  it('takes a typed reduce with merge, and every built-in reduction', () => {
    // Prepare
    const step = aggregate({
      ...visits,
      window: session('30m'),
      grace: '5m',
      reduce: reduce({ initial: 0, add: (n: number) => n + 1, merge: (a, b) => a + b }),
    });
    // Act & Assess
    expect(() => flowWith(step)).not.toThrow();
    expect(() => flowWith(aggregate({ ...visits, window: session(1), reduce: count() }))).not.toThrow();
  });
});
