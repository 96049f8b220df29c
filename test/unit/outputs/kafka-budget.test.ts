import { createServer, type Server, type Socket } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createKafkaProducer, kafkaProducer } from '../../../shared/clients/kafka.ts';
import { RetriableError } from '../../../shared/errors.ts';
import { handlerFor } from '../../../shared/handler/handler-for.ts';
import { toTopic } from '../../../shared/outputs/topic.ts';
import { defineFlow } from '../../../shared/topology/flow.ts';
import { defineTopics } from '../../../shared/topology/resources.ts';
import { kafkaEvent } from '../runtime/kafka-events.ts';

/**
 * A fake hung broker: a TCP server that accepts connections and never answers a request. No local server can
 * be made to hang like this on demand, so the test fakes it.
 */
const fakeHungBroker = async (): Promise<{ address: string; close: () => Promise<void> }> => {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

let broker: Awaited<ReturnType<typeof fakeHungBroker>>;
beforeAll(async () => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  broker = await fakeHungBroker();
});
afterAll(() => broker.close());

const message = { key: Buffer.from('k'), value: Buffer.from('v'), headers: [] };

describe('a kafka send against a hung broker', () => {
  it('fails with a RetriableError when its budget runs out, long before kafkajs would give up', async () => {
    // Prepare
    const producer = createKafkaProducer({ brokers: [broker.address], auth: { mode: 'plaintext' } });
    const started = Date.now();
    // Act
    const sent = producer.sendBatch([{ topic: 't', messages: [message] }], { budgetMs: 1_500 });
    // Assess
    await expect(sent).rejects.toBeInstanceOf(RetriableError);
    await expect(sent).rejects.toThrow(/within its 1500 ms budget/);
    expect(Date.now() - started).toBeLessThan(4_000);
    await producer.disconnect();
  });

  it('ends the invocation with a retriable failure and its summary line before the function times out', async () => {
    // Prepare: the function has 4 s left; kafkajs alone would wait 30 s per request, 5 retries
    process.env.SLUICE_KAFKA_BROKERS = broker.address;
    const topics = defineTopics({
      raw: { name: 'reviews.raw', format: 'json', partitions: 1 },
      clean: { name: 'reviews.clean', format: 'json', partitions: 1 },
      dead: { name: 'reviews.dlq', format: 'bytes', partitions: 1 },
    });
    const flow = defineFlow({
      name: 'cleanse-reviews',
      source: { topic: topics.raw },
      steps: [],
      outputs: [toTopic(topics.clean)],
      deadLetter: toTopic(topics.dead),
    });
    const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
    const error = vi.spyOn(logger, 'error');
    const handler = handlerFor(flow, { logger, metrics: new Metrics({ namespace: 'Test' }) });
    const timeoutAt = Date.now() + 4_000;
    const context = {
      functionName: 'cleanse-reviews',
      awsRequestId: 'req-1',
      getRemainingTimeInMillis: () => timeoutAt - Date.now(),
    } as unknown as Context;
    // Act
    const invocation = handler(kafkaEvent([{ offset: 1, value: { reviewId: 'r1' } }]), context);
    // Assess
    await expect(invocation).rejects.toBeInstanceOf(RetriableError);
    expect(Date.now()).toBeLessThan(timeoutAt);
    expect(error).toHaveBeenCalledWith(
      'batch failed; it will be retried',
      expect.objectContaining({ flow: 'cleanse-reviews', recordsIn: 1, failed: 1 }),
    );
    await kafkaProducer().disconnect();
    delete process.env.SLUICE_KAFKA_BROKERS;
  });
});
