import type { Kafka, Producer } from 'kafkajs';
import type { FunctionPool } from '../lambda/pool.ts';
import type { MappingConfig } from './config.ts';
import { destinationSender } from './destinations.ts';
import type { EventSourceIdentity } from './event.ts';
import { poolInvoker } from './invoker.ts';
import { EventSourceMapping } from './mapping.ts';

export interface StartMappingOptions {
  readonly config: MappingConfig;
  readonly kafka: Kafka;
  readonly pool: FunctionPool;
  readonly identity: EventSourceIdentity;
  readonly onProgress?: () => void;
}

/** Wires one mapping to its function's execution environments and its on-failure destination, and starts it. */
export const startMapping = async (options: StartMappingOptions): Promise<EventSourceMapping> => {
  let producer: Promise<Producer> | undefined;
  const destinationProducer = () => {
    producer ??= (async () => {
      const p = options.kafka.producer({ allowAutoTopicCreation: false });
      await p.connect();
      return p;
    })();
    return producer;
  };
  const mapping = new EventSourceMapping(options.config, {
    kafka: options.kafka,
    invoke: poolInvoker(options.pool, options.identity),
    sendToDestination: destinationSender(
      options.config.onFailure,
      options.config.functionName,
      destinationProducer,
    ),
    onProgress: options.onProgress,
  });
  const stop = mapping.stop.bind(mapping);
  mapping.stop = async () => {
    await stop();
    if (producer) await (await producer).disconnect();
  };
  await mapping.start();
  return mapping;
};
