import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Kafka, Producer } from 'kafkajs';
import type { FunctionPool } from '../lambda/pool.ts';
import { localAwsConfig } from '../services/aws-local.ts';
import type { MappingConfig } from './config.ts';
import { destinationSender } from './destinations.ts';
import type { EventSourceIdentity } from './event.ts';
import { localMappingUuid } from './failed-batches.ts';
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
  const { config } = options;
  let producer: Promise<Producer> | undefined;
  let s3: S3Client | undefined;
  const destinationProducer = () => {
    producer ??= (async () => {
      const p = options.kafka.producer({ allowAutoTopicCreation: false });
      await p.connect();
      return p;
    })();
    return producer;
  };
  const putObject = async (bucket: string, key: string, body: string) => {
    if (config.onFailure?.kind !== 's3') throw new Error(`${config.functionName}: no S3 destination`);
    s3 ??= new S3Client({ ...localAwsConfig(config.onFailure.endpoint), forcePathStyle: true });
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }),
    );
  };
  const mapping = new EventSourceMapping(config, {
    kafka: options.kafka,
    invoke: poolInvoker(options.pool, options.identity),
    sendToDestination: destinationSender(
      config.onFailure,
      {
        ...options.identity,
        functionName: config.functionName,
        mappingUuid: localMappingUuid(config.functionName, config.topic),
      },
      { producer: destinationProducer, putObject },
    ),
    onProgress: options.onProgress,
  });
  const stop = mapping.stop.bind(mapping);
  mapping.stop = async () => {
    await stop();
    if (producer) await (await producer).disconnect();
    s3?.destroy();
  };
  await mapping.start();
  return mapping;
};
