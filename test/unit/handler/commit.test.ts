import { describe, expect, it } from 'vitest';
import { RetriableError } from '../../../shared/errors.ts';
import { BatchFailedError, runBatch } from '../../../shared/handler/run-batch.ts';
import type { OutputSpec } from '../../../shared/outputs/spec.ts';
import type { BatchDelivery, Step } from '../../../shared/steps/step.ts';
import { defineFlow } from '../../../shared/topology/flow.ts';
import { defineTopics } from '../../../shared/topology/resources.ts';
import { kafkaEvent } from '../runtime/kafka-events.ts';
import { memoryTopic } from '../runtime/memory-output.ts';

const topics = defineTopics({
  raw: { name: 'reviews.raw', format: 'json', partitions: 2 },
  clean: { name: 'reviews.clean', format: 'json', partitions: 2 },
  dead: { name: 'reviews.dlq', format: 'bytes', partitions: 1 },
});

const deps = { outputFor: (spec: OutputSpec) => spec.create(), ports: {}, now: () => 1_700_000_100_000 };

/** A step that passes records on and records each commit it is asked for (or throws from it). */
const committingStep = (commitError?: Error) => {
  const deliveries: BatchDelivery[] = [];
  const step: Step = {
    kind: 'test',
    name: 'remembers',
    run: (records) => ({
      records: [...records],
      deadLetters: [],
      dropped: 0,
      commit: async (delivered) => {
        if (commitError) throw commitError;
        deliveries.push(delivered);
      },
    }),
  };
  return { step, deliveries };
};

const twoPartitions = kafkaEvent([
  { partition: 0, offset: 1 },
  { partition: 0, offset: 2 },
  { partition: 1, offset: 7 },
]);

describe("a stateful step's commit", () => {
  it('runs once the outputs and dead letters succeeded, with nothing to deliver again', async () => {
    // Prepare
    const { step, deliveries } = committingStep();
    const clean = memoryTopic(topics.clean);
    const flow = defineFlow({
      name: 'f',
      source: { topic: topics.raw },
      steps: [step],
      outputs: [clean],
      deadLetter: memoryTopic(topics.dead),
    });
    // Act
    await runBatch(flow, twoPartitions, deps);
    // Assess
    expect(clean.output.records).toHaveLength(3);
    expect(deliveries).toEqual([{ failed: new Map() }]);
  });

  it('does not run when an output fails and the batch is retried whole', async () => {
    // Prepare
    const { step, deliveries } = committingStep();
    const clean = memoryTopic(topics.clean);
    clean.output.failWith = new RetriableError('broker unavailable');
    const flow = defineFlow({
      name: 'f',
      source: { topic: topics.raw },
      steps: [step],
      outputs: [clean],
      deadLetter: memoryTopic(topics.dead),
    });
    // Act
    const run = runBatch(flow, twoPartitions, deps);
    // Assess
    await expect(run).rejects.toBeInstanceOf(BatchFailedError);
    expect(deliveries).toEqual([]);
  });

  it('learns the lowest offset per partition delivered again under partial batch response', async () => {
    // Prepare
    const { step, deliveries } = committingStep();
    const clean = memoryTopic(topics.clean);
    clean.output.failWith = new RetriableError('broker unavailable');
    const flow = defineFlow({
      name: 'f',
      source: { topic: topics.raw, errorHandling: { reportBatchItemFailures: true }, provisionedPollers: {} },
      steps: [step],
      outputs: [clean],
      deadLetter: memoryTopic(topics.dead),
    });
    // Act
    await runBatch(flow, twoPartitions, deps);
    // Assess
    expect(deliveries).toEqual([
      {
        failed: new Map([
          [0, 1],
          [1, 7],
        ]),
      },
    ]);
  });

  it('fails the batch with every record kept when the commit itself fails', async () => {
    // Prepare
    const { step } = committingStep(new RetriableError('state table throttled'));
    const flow = defineFlow({
      name: 'f',
      source: { topic: topics.raw, errorHandling: { reportBatchItemFailures: true }, provisionedPollers: {} },
      steps: [step],
      outputs: [memoryTopic(topics.clean)],
      deadLetter: memoryTopic(topics.dead),
    });
    // Act
    const outcome = await runBatch(flow, twoPartitions, deps);
    // Assess
    expect(outcome.response?.batchItemFailures).toHaveLength(2);
    expect(outcome.summary.failed).toBe(3);
  });
});
