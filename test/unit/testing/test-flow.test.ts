import { describe, expect, it } from 'vitest';
import { where } from '../../../shared/filter/where.ts';
import { toTopic } from '../../../shared/outputs/topic.ts';
import { filter } from '../../../shared/steps/filter.ts';
import { map } from '../../../shared/steps/map.ts';
import { testFlow } from '../../../shared/testing/index.ts';
import { defineFlow } from '../../../shared/topology/flow.ts';
import { defineTopics } from '../../../shared/topology/resources.ts';

const topics = defineTopics({
  payments: { name: 'payments', format: 'json', partitions: 2 },
  large: { name: 'payments.large', format: 'json', partitions: 1 },
  dlq: { name: 'payments.dlq', format: 'bytes', partitions: 1 },
});

const flow = defineFlow({
  name: 'large-payments',
  source: { topic: topics.payments },
  steps: [
    filter(where({ amount: { gte: 1000 } })),
    map((value) => {
      if (value.currency === 'XXX') throw new Error('no such currency');
      return { ...value, flagged: true };
    }),
  ],
  outputs: [toTopic(topics.large)],
  deadLetter: toTopic(topics.dlq),
});

describe('testFlow', () => {
  it('reports a record a filter step dropped as filtered, with its key, value and source coordinates', async () => {
    // Prepare
    const driver = testFlow(flow);
    // Act
    const result = await driver.send([
      { key: 'p-1', value: { amount: 5, currency: 'EUR' } },
      { key: 'p-2', value: { amount: 5000, currency: 'EUR' } },
    ]);
    // Assess
    expect(result.filtered).toEqual([
      {
        key: 'p-1',
        value: { amount: 5, currency: 'EUR' },
        source: { topic: 'payments', partition: 0, offset: 0 },
      },
    ]);
    expect(result.outputs['payments.large']).toEqual([
      {
        key: 'p-2',
        value: { amount: 5000, currency: 'EUR', flagged: true },
        headers: {},
        source: { topic: 'payments', partition: 0, offset: 1 },
      },
    ]);
    expect(result.summary).toEqual({
      recordsIn: 2,
      out: { 'payments.large': 1 },
      filtered: 1,
      deadLettered: 0,
      deadLettersByStage: {},
    });
  });

  it('reports a step that throws for a record as a dead letter at step, with the error class and message', async () => {
    // Prepare
    const driver = testFlow(flow);
    // Act
    const result = await driver.send([
      { key: 'p-1', value: { amount: 5000, currency: 'XXX' }, partition: 1 },
    ]);
    // Assess
    expect(result.deadLetters).toEqual([
      expect.objectContaining({
        stage: 'step',
        reason: expect.stringContaining('no such currency'),
        key: 'p-1',
        value: { amount: 5000, currency: 'XXX' },
        source: { topic: 'payments', partition: 1, offset: 0 },
      }),
    ]);
    expect(result.outputs['payments.large']).toEqual([]);
  });

  it('refuses a start time that is not a time when the driver is made', () => {
    // Prepare
    const build = () => testFlow(flow, { startTime: 'yesterday' });
    // Act, Assess
    expect(build).toThrow(/startTime yesterday is not a time/);
  });
});
