import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handlerFor } from '../../../shared/handler/handler-for.ts';
import { defineFlow } from '../../../shared/topology/flow.ts';
import { defineTopics } from '../../../shared/topology/resources.ts';
import { kafkaEvent } from '../runtime/kafka-events.ts';
import { memoryTopic } from '../runtime/memory-output.ts';

const topics = defineTopics({
  raw: { name: 'reviews.raw', format: 'json', partitions: 1 },
  clean: { name: 'reviews.clean', format: 'json', partitions: 1 },
  dead: { name: 'reviews.dlq', format: 'bytes', partitions: 1 },
});
const context = { functionName: 'f', awsRequestId: 'r', getRemainingTimeInMillis: () => 30_000 } as Context;

describe('the handler never logs record contents', () => {
  beforeEach(() => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    // What an operator might set while debugging: Powertools would then log every event it is given.
    vi.stubEnv('POWERTOOLS_LOGGER_LOG_EVENT', 'true');
  });
  afterEach(() => vi.unstubAllEnvs());

  it('logs no invocation event even with POWERTOOLS_LOGGER_LOG_EVENT=true', async () => {
    // Prepare
    const logger = new Logger({ serviceName: 'test' });
    const written: unknown[][] = [];
    for (const level of ['debug', 'info', 'warn', 'error'] as const) {
      vi.spyOn(logger, level).mockImplementation((...args: unknown[]) => {
        written.push(args);
      });
    }
    const flow = defineFlow({
      name: 'cleanse-reviews',
      source: { topic: topics.raw },
      outputs: [memoryTopic(topics.clean)],
      deadLetter: memoryTopic(topics.dead),
    });
    const handler = handlerFor(flow, { logger, metrics: new Metrics({ namespace: 'Test' }), ports: {} });
    // Act
    await handler(kafkaEvent([{ offset: 1, value: { email: 'secret@example.com' } }]), context);
    // Assess: one summary line, and nothing of the record in any log call
    expect(written.map((args) => args[0])).toEqual(['batch']);
    expect(JSON.stringify(written)).not.toContain(Buffer.from('secret@example.com').toString('base64'));
  });
});
