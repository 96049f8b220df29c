import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RecordRejectedError, Stage } from '../../../shared/errors.ts';
import { emitBatchMetrics } from '../../../shared/handler/emit-metrics.ts';
import { runBatch } from '../../../shared/handler/run-batch.ts';
import { MetricName } from '../../../shared/metrics.ts';
import type { OutputSpec } from '../../../shared/outputs/spec.ts';
import { defineFlow } from '../../../shared/topology/flow.ts';
import { defineTopics } from '../../../shared/topology/resources.ts';
import { kafkaEvent } from '../runtime/kafka-events.ts';
import { memoryTopic } from '../runtime/memory-output.ts';

const topics = defineTopics({
  alerts: { name: 'reviews.alerts', format: 'json', partitions: 1 },
  dead: { name: 'reviews.dlq', format: 'bytes', partitions: 1 },
});

/** An output that refuses the record at offset 2 and reports two throttled requests it retried. */
const troubledOutput: OutputSpec = {
  kind: 'sns',
  name: 'sns:alerts',
  resources: { notificationTopic: 'alerts' },
  create: () => ({
    name: 'sns:alerts',
    write: async (records) => ({
      written: records.length - 1,
      deadLetters: records
        .filter((r) => r.source.offset === 2)
        .map((record) => ({
          record,
          stage: Stage.Output,
          error: new RecordRejectedError('too large'),
          component: 'sns:alerts',
        })),
      throttled: 2,
    }),
  }),
};

afterEach(() => vi.unstubAllEnvs());

describe("an output's dead letters and throttling, per output", () => {
  it("reach the batch summary and the output's own metric line", async () => {
    // Prepare
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    const flow = defineFlow({
      name: 'alerts-notify',
      source: { topic: topics.alerts },
      outputs: [troubledOutput],
      deadLetter: memoryTopic(topics.dead),
    });
    const event = kafkaEvent([
      { topic: 'reviews.alerts', partition: 0, offset: 1 },
      { topic: 'reviews.alerts', partition: 0, offset: 2 },
    ]);
    const metrics = new Metrics({
      namespace: 'Sluice',
      serviceName: 'alerts-notify',
      defaultDimensions: { flow: 'alerts-notify' },
    });
    const lines: string[] = [];
    // Act
    const { summary } = await runBatch(flow, event, {
      outputFor: (spec) => spec.create(),
      ports: {},
      now: () => 1_700_000_100_000,
    });
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    emitBatchMetrics(metrics, summary);
    write.mockRestore();
    // Assess
    expect(summary.outputTrouble).toEqual({ 'sns:alerts': { deadLettered: 1, throttled: 2 } });
    const perOutput = lines
      .flatMap((l) => l.split('\n'))
      .filter((l) => l.includes('"_aws"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.output !== undefined)
      .map(({ _aws, ...fields }) => fields);
    expect(perOutput).toEqual([
      expect.objectContaining({ output: 'sns:alerts', flow: 'alerts-notify', [MetricName.RecordsOut]: 1 }),
      expect.objectContaining({
        output: 'sns:alerts',
        flow: 'alerts-notify',
        [MetricName.RecordsDeadLettered]: 1,
      }),
      expect.objectContaining({
        output: 'sns:alerts',
        flow: 'alerts-notify',
        [MetricName.OutputThrottled]: 2,
      }),
    ]);
  });
});
