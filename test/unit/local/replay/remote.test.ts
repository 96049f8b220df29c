import {
  GetEventSourceMappingCommand,
  GetFunctionConfigurationCommand,
  ListEventSourceMappingsCommand,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import type { KafkaConfig } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { parsePosition } from '../../../../local/tools/replay/position.ts';
import { type RemoteReplayDeps, remoteReplay } from '../../../../local/tools/replay/remote.ts';
import { FakeGroupAdmin } from './fakes.ts';

const flow = { name: 'cleanse-reviews', topic: 'reviews.raw' };
const functionName = 'SluiceFlows-CleanseReviews-abc';
const uuid = 'a1b2c3d4-0000-4000-8000-000000000001';

/** A fake CloudFormation: the SluiceFlows outputs naming the flow's function. */
const fakeCloudFormation = {
  send: async () => ({
    Stacks: [{ Outputs: [{ OutputKey: 'CleanseReviewsFunctionName', OutputValue: functionName }] }],
  }),
} as unknown as RemoteReplayDeps['cloudformation'];

/**
 * A fake Lambda API: one Kafka mapping whose state moves one step per GetEventSourceMapping (Disabling, then
 * Disabled; Enabling, then Enabled), and the function's environment as the CDK app sets it (SCRAM auth).
 */
class FakeLambda {
  readonly calls: string[] = [];
  state: string;
  private target: string | undefined;
  constructor(
    initial = 'Enabled',
    readonly consumerGroupId: string | null = 'sluice-cleanse-reviews',
  ) {
    this.state = initial;
  }
  send = async (command: unknown): Promise<unknown> => {
    if (command instanceof ListEventSourceMappingsCommand) {
      this.calls.push(`list ${command.input.FunctionName}`);
      return {
        EventSourceMappings: [
          { UUID: 'sqs-mapping', EventSourceArn: 'arn:aws:sqs:eu-west-1:1:q' },
          {
            UUID: uuid,
            State: this.state,
            Topics: [flow.topic],
            ...(this.consumerGroupId
              ? { SelfManagedKafkaEventSourceConfig: { ConsumerGroupId: this.consumerGroupId } }
              : {}),
          },
        ],
      };
    }
    if (command instanceof UpdateEventSourceMappingCommand) {
      this.calls.push(`update ${command.input.UUID} Enabled=${command.input.Enabled}`);
      this.state = command.input.Enabled ? 'Enabling' : 'Disabling';
      this.target = command.input.Enabled ? 'Enabled' : 'Disabled';
      return {};
    }
    if (command instanceof GetEventSourceMappingCommand) {
      const answered = this.state;
      this.calls.push(`get ${answered}`);
      if (this.target) this.state = this.target;
      return { State: answered };
    }
    if (command instanceof GetFunctionConfigurationCommand) {
      this.calls.push(`config ${command.input.FunctionName}`);
      return {
        Environment: {
          Variables: {
            SLUICE_KAFKA_BROKERS: 'b-1.msk:9096,b-2.msk:9096',
            SLUICE_KAFKA_AUTH: 'scram-sha-512',
            SLUICE_KAFKA_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:AmazonMSK_sluice',
          },
        },
      };
    }
    throw new Error(`unexpected command ${(command as object).constructor.name}`);
  };
}

const setUp = (lambda: FakeLambda, admin: FakeGroupAdmin) => {
  const log: string[] = [];
  const configs: KafkaConfig[] = [];
  const secretsRead: string[] = [];
  const deps: RemoteReplayDeps = {
    cloudformation: fakeCloudFormation,
    lambda: lambda as unknown as RemoteReplayDeps['lambda'],
    admin: (config) => {
      configs.push(config);
      // The admin acts in the sequence of Lambda calls: the mapping must be disabled by then.
      lambda.calls.push(`admin connect (mapping ${lambda.state})`);
      return admin;
    },
    region: 'eu-west-1',
    auth: {
      readSecret: async (arn) => {
        secretsRead.push(arn);
        return JSON.stringify({ username: 'sluice', password: 'pw' });
      },
      iamToken: async () => 'token',
    },
    out: (line) => log.push(line),
    sleep: async () => undefined,
  };
  return { deps, log, configs, secretsRead };
};

describe('npm run replay --remote, against fake AWS and Kafka clients', () => {
  it('disables the mapping, waits until Disabled, moves the group as the flow authenticates, enables it and waits', async () => {
    // Prepare
    const lambda = new FakeLambda();
    const admin = new FakeGroupAdmin(flow.topic, [{ low: 0, high: 9 }], new Map([[0, 9]]));
    const { deps, configs, secretsRead } = setUp(lambda, admin);
    // Act
    const outcome = await remoteReplay('SluiceFlows', flow, parsePosition('earliest'), deps);
    // Assess
    expect(lambda.calls).toEqual([
      `list ${functionName}`,
      `update ${uuid} Enabled=false`,
      'get Disabling',
      'get Disabled',
      `config ${functionName}`,
      'admin connect (mapping Disabled)',
      `update ${uuid} Enabled=true`,
      'get Enabling',
      'get Enabled',
    ]);
    expect(configs[0]).toMatchObject({
      brokers: ['b-1.msk:9096', 'b-2.msk:9096'],
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'sluice', password: 'pw' },
    });
    expect(secretsRead).toEqual(['arn:aws:secretsmanager:eu-west-1:1:secret:AmazonMSK_sluice']);
    expect(outcome).toEqual({
      flow: 'cleanse-reviews',
      topic: 'reviews.raw',
      group: 'sluice-cleanse-reviews',
      moves: [{ partition: 0, from: 9, to: 0, end: 9 }],
    });
    expect(admin.connected).toBe(false);
  });

  it('enables the mapping again when the move fails', async () => {
    const lambda = new FakeLambda();
    const admin = new FakeGroupAdmin(flow.topic, [{ low: 0, high: 9 }]);
    const { deps } = setUp(lambda, admin);
    const position = parsePosition('o.json', () => '{ "0": 99 }');
    await expect(remoteReplay('SluiceFlows', flow, position, deps)).rejects.toThrow('o.json["0"]');
    expect(lambda.calls.slice(-3)).toEqual([`update ${uuid} Enabled=true`, 'get Enabling', 'get Enabled']);
    expect(lambda.state).toBe('Enabled');
  });

  it('leaves a mapping that was disabled disabled, and uses the mapping UUID as the group when none is set', async () => {
    const lambda = new FakeLambda('Disabled', null);
    const admin = new FakeGroupAdmin(flow.topic, [{ low: 0, high: 3 }]);
    const { deps, log } = setUp(lambda, admin);
    const outcome = await remoteReplay('SluiceFlows', flow, parsePosition('latest'), deps);
    expect(lambda.calls.filter((c) => c.startsWith('update'))).toEqual([]);
    expect(outcome.group).toBe(uuid);
    expect(log.join('\n')).toContain('it stays disabled after the move');
  });

  it('says so when the function has no mapping on the flow’s topic', async () => {
    const lambda = new FakeLambda();
    const { deps } = setUp(lambda, new FakeGroupAdmin('x', []));
    await expect(
      remoteReplay('SluiceFlows', { ...flow, topic: 'other' }, parsePosition('earliest'), deps),
    ).rejects.toThrow(`function ${functionName} has no event-source mapping on topic other`);
  });
});
