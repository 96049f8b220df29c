import {
  type EventSourceMappingConfiguration,
  GetEventSourceMappingCommand,
  type LambdaClient,
  ListEventSourceMappingsCommand,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import type { Admin, KafkaConfig } from 'kafkajs';
import type { ReplayOutcome } from '../../runner/control.ts';
import { type AuthPorts, flowKafkaConfig } from '../remote-kafka.ts';
import { flowFunctionName, type StackReader, stackOutputs } from '../stack-outputs.ts';
import { type GroupAdmin, moveGroup } from './move-group.ts';
import type { ReplayPosition } from './position.ts';

/** What a remote replay talks to; each is a named fake in the unit tests. */
export interface RemoteReplayDeps {
  readonly cloudformation: StackReader;
  readonly lambda: Pick<LambdaClient, 'send'>;
  /** A Kafka admin for the cluster (kafkajs in use). */
  readonly admin: (config: KafkaConfig) => GroupAdmin & Pick<Admin, 'connect' | 'disconnect'>;
  readonly region: string;
  readonly auth?: AuthPorts;
  readonly out: (line: string) => void;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * How long a mapping may take to become Disabled or Enabled (AWS documents minutes).
   * @default 600000
   */
  readonly stateTimeoutMs?: number;
  /**
   * How long the disabled mapping's pollers may take to leave the consumer group.
   * @default 300000
   */
  readonly emptyTimeoutMs?: number;
}

export interface RemoteFlow {
  readonly name: string;
  readonly topic: string;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The flow's Kafka mapping: the function's mapping whose topics include the flow's source topic. */
const mappingOf = async (
  lambda: RemoteReplayDeps['lambda'],
  functionName: string,
  topic: string,
): Promise<EventSourceMappingConfiguration> => {
  let marker: string | undefined;
  do {
    const page = await lambda.send(
      new ListEventSourceMappingsCommand({ FunctionName: functionName, Marker: marker }),
    );
    const found = page.EventSourceMappings?.find((m) => m.Topics?.includes(topic));
    if (found?.UUID) return found;
    marker = page.NextMarker;
  } while (marker);
  throw new Error(`function ${functionName} has no event-source mapping on topic ${topic}`);
};

/** AWS's consumer group of a Kafka mapping: the configured id, or the mapping's UUID when none was set. */
export const consumerGroupOf = (mapping: EventSourceMappingConfiguration): string =>
  mapping.AmazonManagedKafkaEventSourceConfig?.ConsumerGroupId ??
  mapping.SelfManagedKafkaEventSourceConfig?.ConsumerGroupId ??
  (mapping.UUID as string);

/**
 * Replays a deployed flow: disables its mapping and waits until it is Disabled (its pollers leave the group),
 * moves the group's offsets with the Kafka admin API as the flow authenticates, and enables the mapping again,
 * also when the move failed. A mapping that was already disabled is left disabled.
 */
export const remoteReplay = async (
  stack: string,
  flow: RemoteFlow,
  position: ReplayPosition,
  deps: RemoteReplayDeps,
): Promise<ReplayOutcome> => {
  const sleep = deps.sleep ?? pause;
  const functionName = flowFunctionName(await stackOutputs(deps.cloudformation, stack), stack, flow.name);
  const mapping = await mappingOf(deps.lambda, functionName, flow.topic);
  const uuid = mapping.UUID as string;
  const group = consumerGroupOf(mapping);
  const waitFor = async (wanted: 'Enabled' | 'Disabled') => {
    const deadline = Date.now() + (deps.stateTimeoutMs ?? 600_000);
    for (;;) {
      const { State } = await deps.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }));
      if (State === wanted) return;
      if (Date.now() >= deadline)
        throw new Error(`mapping ${uuid} of ${functionName} is ${State}, not ${wanted}, after waiting`);
      await sleep(5_000);
    }
  };
  const wasEnabled = mapping.State !== 'Disabled';
  if (wasEnabled) {
    deps.out(`${flow.name}: disabling mapping ${uuid} of ${functionName}`);
    await deps.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: false }));
  } else deps.out(`${flow.name}: mapping ${uuid} is disabled; it stays disabled after the move`);
  try {
    if (wasEnabled) await waitFor('Disabled');
    const config = await flowKafkaConfig(deps.lambda, functionName, deps.region, 'sluice-replay', deps.auth);
    const admin = deps.admin(config);
    await admin.connect();
    try {
      const moves = await moveGroup(admin, {
        groupId: group,
        topic: flow.topic,
        position,
        emptyTimeoutMs: deps.emptyTimeoutMs ?? 300_000,
        sleep,
      });
      return { flow: flow.name, topic: flow.topic, group, moves };
    } finally {
      await admin.disconnect();
    }
  } finally {
    if (wasEnabled) {
      deps.out(`${flow.name}: enabling mapping ${uuid}`);
      await deps.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: true }));
      await waitFor('Enabled');
    }
  }
};
