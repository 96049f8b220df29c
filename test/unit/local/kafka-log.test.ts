import { createRequire } from 'node:module';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { quietTransientErrors, transientKafkaErrors } from '../../../local/kafka-log.ts';

// kafkajs's own error table: the texts its Connection logs for a broker's error code.
const { createErrorFromCode } = createRequire(import.meta.url)('kafkajs/src/protocol/error.js') as {
  createErrorFromCode: (code: number) => Error & { type: string; retriable: boolean };
};

/** A kafkajs client whose log lines are collected, at the level a tool runs it (or KAFKAJS_LOG_LEVEL's). */
const client = (level: logLevel) => {
  const lines: Record<string, unknown>[] = [];
  const kafka = new Kafka({
    brokers: ['127.0.0.1:1'],
    logLevel: level,
    logCreator: quietTransientErrors((line) => lines.push(JSON.parse(line))),
  });
  return {
    connection: kafka.logger().namespace('Connection'),
    consumer: kafka.logger().namespace('Consumer'),
    lines,
  };
};

/** Exactly what kafkajs's Connection logs when a response carries an error code (src/network/connection.js). */
const responseError = (code: number) => ({
  broker: '127.0.0.1:40101',
  clientId: 'sluice-runner',
  error: createErrorFromCode(code).message,
  correlationId: 2,
  size: 55,
});

describe('kafkajs log lines of the local tools and the emulator', () => {
  it('names the transient errors with the texts of kafkajs’s own error table', () => {
    // Group coordinator not available, coordinator loading, not coordinator, rebalance in progress.
    expect(transientKafkaErrors).toEqual([15, 14, 16, 27].map((code) => createErrorFromCode(code).message));
  });

  it('prints nothing for a new broker’s "group coordinator is not available" and the other retried errors', () => {
    // Prepare
    const { connection, lines } = client(logLevel.ERROR);

    // Act
    for (const code of [15, 14, 16, 27])
      connection.error('Response GroupCoordinator(key: 10, version: 2)', responseError(code));

    // Assess
    expect(lines).toEqual([]);
  });

  it('keeps a real error at ERROR, as kafkajs prints it', () => {
    // Prepare
    const { connection, lines } = client(logLevel.ERROR);

    // Act: unknown topic (3) is retried by kafkajs too, but a tool that hits it names a topic that is not there.
    connection.error('Response Metadata(key: 3, version: 6)', responseError(3));

    // Assess
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        logger: 'kafkajs',
        message: '[Connection] Response Metadata(key: 3, version: 6)',
        error: createErrorFromCode(3).message,
      }),
    ]);
  });

  it('keeps a consumer crash at ERROR even when its cause is a coordinator error', () => {
    // Prepare
    const { consumer, lines } = client(logLevel.ERROR);

    // Act: retries ran out; kafkajs logs the crash with the cause's text in the message.
    consumer.error(`Crash: KafkaJSNumberOfRetriesExceeded: ${createErrorFromCode(15).message}`, {
      groupId: 'g',
      retryCount: 5,
    });

    // Assess
    expect(lines.map((l) => l.level)).toEqual(['ERROR']);
  });

  it('prints nothing for a consumer that crashed on a coordinator still loading and restarts', () => {
    // Prepare
    const { consumer, lines } = client(logLevel.ERROR);

    // Act: what a new broker made kafkajs print (seen on a first npm start), then the same for a real crash.
    consumer.error(`Crash: KafkaJSProtocolError: ${createErrorFromCode(14).message}`, { groupId: 'new' });
    consumer.error('Restarting the consumer in 300ms', { retryTime: 300, groupId: 'new' });
    consumer.error(`Crash: KafkaJSNumberOfRetriesExceeded: ${createErrorFromCode(14).message}`, {
      groupId: 'stuck',
    });
    consumer.error('Restarting the consumer in 300ms', { retryTime: 300, groupId: 'stuck' });

    // Assess
    expect(lines.map((l) => `${l.level} ${l.groupId} ${l.message}`)).toEqual([
      `ERROR stuck [Consumer] Crash: KafkaJSNumberOfRetriesExceeded: ${createErrorFromCode(14).message}`,
      'ERROR stuck [Consumer] Restarting the consumer in 300ms',
    ]);
  });

  it('prints the transient errors as DEBUG when asked for debug logs', () => {
    // Prepare
    const { connection, lines } = client(logLevel.DEBUG);

    // Act
    connection.error('Response GroupCoordinator(key: 10, version: 2)', responseError(15));

    // Assess
    expect(lines).toEqual([
      expect.objectContaining({ level: 'DEBUG', error: createErrorFromCode(15).message }),
    ]);
  });

  it('prints no warning or information line at the tools’ level', () => {
    // Prepare
    const { consumer, lines } = client(logLevel.ERROR);

    // Act
    consumer.warn('The group is rebalancing, re-joining', { groupId: 'g' });
    consumer.info('Consumer has joined the group', { groupId: 'g' });

    // Assess
    expect(lines).toEqual([]);
  });
});
