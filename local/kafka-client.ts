import { Kafka, logLevel } from 'kafkajs';
import './kafka-codecs.ts';
import { quietTransientErrors } from './kafka-log.ts';
import { readState } from './services/state.ts';

/**
 * A kafkajs client for the local broker named in .local/state.json; quiet unless something is wrong (transient,
 * retried errors of a new broker are not "wrong": see kafka-log.ts).
 */
export const localKafka = (clientId: string): Kafka => {
  const broker = readState().kafka?.endpoint;
  if (!broker) throw new Error('Kafka is not running: start it with npm run servers -- up kafka');
  return new Kafka({
    clientId,
    brokers: [broker],
    logLevel: logLevel.ERROR,
    logCreator: quietTransientErrors(),
  });
};
