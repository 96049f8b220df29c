import type { LambdaClient } from '@aws-sdk/client-lambda';
import '../../kafka-codecs.ts';
import { S3Client } from '@aws-sdk/client-s3';
import { Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import { awsRegion } from '../../../shared/clients/endpoints.ts';
import { localAwsConfig } from '../../services/aws-local.ts';
import { readState } from '../../services/state.ts';
import { flowKafkaConfig } from '../remote-kafka.ts';
import { flowFunctionName, type StackReader, stackOutputs } from '../stack-outputs.ts';

/** What a redrive talks to: the cluster, the bucket of failed batches, and how function names map to flows. */
export interface Connections {
  readonly kafka: KafkaConfig;
  readonly s3: () => S3Client;
  /** A failed-batch object names its function; this gives the flow. */
  readonly flowOf: (functionName: string) => string | undefined;
}

// Failures surface as thrown errors; kafkajs's own log would also print the retries it recovers from.
const quiet = { logLevel: logLevel.NOTHING, connectionTimeout: 5_000, requestTimeout: 30_000 } as const;

/** The local servers named in `.local/state.json`. */
export const localConnections = (): Connections => {
  const state = readState();
  const broker = state.kafka?.endpoint;
  if (!broker) throw new Error('Kafka is not running: start it with npm run servers -- up kafka');
  return {
    kafka: { clientId: 'sluice-redrive', brokers: [broker], ...quiet },
    s3: () => {
      const endpoint = state.s3?.endpoint;
      if (!endpoint) throw new Error('S3 is not running: start it with npm run servers -- up s3');
      return new S3Client({ ...localAwsConfig(endpoint), forcePathStyle: true });
    },
    flowOf: (name) => name,
  };
};

export interface RemoteDeps {
  readonly cloudformation: StackReader;
  readonly lambda: Pick<LambdaClient, 'send'>;
  readonly region?: string;
  /** The flows of the topology: their functions are looked up in the stack outputs. */
  readonly flows: readonly string[];
}

/** The deployed stacks: function names from the stack's outputs, and the cluster as the flows reach it. */
export const remoteConnections = async (stackName: string, deps: RemoteDeps): Promise<Connections> => {
  const outputs = await stackOutputs(deps.cloudformation, stackName);
  // A flow added to the topology but not deployed yet has no output: the others still name their functions.
  const functions = new Map<string, string>();
  const missing: Error[] = [];
  for (const flow of deps.flows) {
    try {
      functions.set(flowFunctionName(outputs, stackName, flow), flow);
    } catch (error) {
      missing.push(error as Error);
    }
  }
  const [anyFunction] = functions.keys();
  if (anyFunction === undefined)
    throw missing[0] ?? new Error(`stack ${stackName}: the topology has no flows`);
  const region = deps.region ?? awsRegion();
  const kafka = await flowKafkaConfig(deps.lambda, anyFunction, region, 'sluice-redrive');
  return {
    kafka: { ...kafka, ...quiet },
    s3: () => new S3Client({ region }),
    flowOf: (name) => functions.get(name),
  };
};

export const kafkaClient = (config: KafkaConfig): Kafka => new Kafka(config);
