import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { handlerFor } from '../../../shared/handler/handler-for.ts';
import { MetricName } from '../../../shared/metrics.ts';
import { validate } from '../../../shared/steps/validate.ts';
import { defineFlow } from '../../../shared/topology/flow.ts';
import { defineTopics } from '../../../shared/topology/resources.ts';
import { kafkaEvent } from '../runtime/kafka-events.ts';
import { memoryTopic } from '../runtime/memory-output.ts';

const topics = defineTopics({
  raw: { name: 'reviews.raw', format: 'json', partitions: 1 },
  clean: { name: 'reviews.clean', format: 'json', partitions: 1 },
  dead: { name: 'reviews.dlq', format: 'bytes', partitions: 1 },
});
const context = { awsRequestId: 'req-1', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

/** Every line a fresh handler (its own Powertools Logger and Metrics, default level) prints for one event. */
const printed = async (values: unknown[]): Promise<Record<string, unknown>[]> => {
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  vi.stubEnv('POWERTOOLS_DEV', '');
  vi.stubEnv('AWS_LAMBDA_LOG_LEVEL', '');
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', '');
  vi.stubEnv('LOG_LEVEL', '');
  const flow = defineFlow({
    name: 'cleanse-reviews',
    source: { topic: topics.raw },
    steps: [validate(z.looseObject({ rating: z.int() }))],
    outputs: [memoryTopic(topics.clean)],
    deadLetter: memoryTopic(topics.dead),
  });
  const handler = handlerFor(flow, { ports: {} });
  const chunks: string[] = [];
  const capture = (chunk: unknown) => {
    chunks.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  // Powertools' Logger writes through its own console on stdout/stderr.
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    await handler(kafkaEvent(values.map((value, i) => ({ offset: i + 1, value }))), context);
  } finally {
    vi.restoreAllMocks();
  }
  return chunks
    .join('')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
};

interface Directive {
  Namespace: string;
  Dimensions: string[][];
  Metrics: { Name: string; Unit?: string }[];
}
const directivesOf = (line: Record<string, unknown>): Directive[] =>
  (line._aws as { CloudWatchMetrics: Directive[] }).CloudWatchMetrics;

afterEach(() => vi.unstubAllEnvs());

describe("a batch's log lines at the default log level", () => {
  it('are only EMF documents for a clean batch: its counts are metrics, its summary line is DEBUG', async () => {
    // Act
    const lines = await printed([{ rating: 5 }, { rating: 4 }]);
    // Assess
    expect(lines.filter((l) => 'level' in l)).toEqual([]);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toHaveProperty('_aws');
  });

  it('include one WARN summary naming the partitions, offsets and stages when records were dead-lettered', async () => {
    // Act
    const lines = await printed([{ rating: 5 }, { rating: 'bad' }]);
    // Assess
    const logged = lines.filter((l) => 'level' in l);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      level: 'WARN',
      message: 'batch',
      partitions: [{ partition: 'reviews.raw-0', offsets: '1-2', count: 2 }],
      deadLettered: 1,
      deadLettersByStage: { validate: 1 },
    });
  });

  it('are valid EMF with the metric names and dimensions the CDK alarms read', async () => {
    // Act
    const lines = (await printed([{ rating: 5 }, { rating: 'bad' }])).filter((l) => '_aws' in l);
    // Assess: CloudWatch's EMF specification: a millisecond Timestamp, each directive's dimensions and metrics are
    // root members, each metric value a number.
    const published = new Map<string, string[]>();
    for (const line of lines) {
      expect(Number.isInteger((line._aws as { Timestamp: number }).Timestamp)).toBe(true);
      for (const d of directivesOf(line)) {
        expect(d.Namespace).toBe('Sluice');
        for (const set of d.Dimensions) {
          for (const name of set) expect(typeof line[name]).toBe('string');
          for (const m of d.Metrics) {
            expect(typeof line[m.Name]).toBe('number');
            published.set(`${m.Name}{${[...set].sort().join(',')}}`, set);
          }
        }
      }
    }
    expect([...published.keys()]).toEqual(
      expect.arrayContaining([
        `${MetricName.RecordsIn}{flow,service}`,
        `${MetricName.RecordsDeadLettered}{flow,service}`,
        `${MetricName.RecordsFailed}{flow,service}`,
        `${MetricName.RecordsOut}{flow,output,service}`,
      ]),
    );
  });
});
