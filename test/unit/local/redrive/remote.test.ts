import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { remoteConnections } from '../../../../local/tools/redrive/connect.ts';

/** A fake CloudFormation: DescribeStacks answers these outputs for one stack. */
const fakeCloudFormation = (stack: string, outputs: Record<string, string>) => {
  const calls: unknown[] = [];
  const client = {
    send: async (command: { input: { StackName?: string } }) => {
      calls.push(command.input);
      if (command.input.StackName !== stack)
        throw new Error(`Stack with id ${command.input.StackName} does not exist`);
      return {
        Stacks: [
          {
            Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
          },
        ],
      };
    },
  } as unknown as Pick<CloudFormationClient, 'send'>;
  return { client, calls };
};

/** A fake Lambda: GetFunctionConfiguration answers this environment. */
const fakeLambda = (variables: Record<string, string>) => {
  const asked: string[] = [];
  const client = {
    send: async (command: { input: { FunctionName: string } }) => {
      asked.push(command.input.FunctionName);
      return { Environment: { Variables: variables } };
    },
  } as unknown as Pick<LambdaClient, 'send'>;
  return { client, asked };
};

const outputs = {
  CleanseReviewsFunctionName: 'SluiceFlows-CleanseReviews-1A2B',
  EnrichReviewsFunctionName: 'SluiceFlows-EnrichReviews-3C4D',
  LakeBucketName: 'lake',
};

describe('redrive --remote wiring', () => {
  it('reaches the cluster as the flows do (brokers and IAM auth from a flow function) and maps function names to flows', async () => {
    // Prepare
    const cloudformation = fakeCloudFormation('SluiceFlows', outputs);
    const lambda = fakeLambda({ SLUICE_KAFKA_BROKERS: 'b-1:9098, b-2:9098', SLUICE_KAFKA_AUTH: 'iam' });
    // Act
    const connections = await remoteConnections('SluiceFlows', {
      cloudformation: cloudformation.client,
      lambda: lambda.client,
      region: 'eu-west-1',
      // lake-sink is in the topology but not deployed: no output names its function.
      flows: ['lake-sink', 'cleanse-reviews', 'enrich-reviews'],
    });
    // Assess
    expect(lambda.asked).toEqual(['SluiceFlows-CleanseReviews-1A2B']);
    expect(connections.kafka).toMatchObject({ brokers: ['b-1:9098', 'b-2:9098'], ssl: true });
    expect(connections.kafka.sasl?.mechanism).toBe('oauthbearer');
    expect(connections.flowOf('SluiceFlows-EnrichReviews-3C4D')).toBe('enrich-reviews');
    expect(connections.flowOf('someone-else')).toBeUndefined();
    expect(await connections.s3().config.region()).toBe('eu-west-1');
  });

  it('fails naming the missing output, or a function deployed without brokers', async () => {
    // Prepare
    const cloudformation = fakeCloudFormation('SluiceFlows', outputs);
    // Act
    const noOutput = remoteConnections('SluiceFlows', {
      cloudformation: cloudformation.client,
      lambda: fakeLambda({}).client,
      flows: ['lake-sink'],
    });
    const noBrokers = remoteConnections('SluiceFlows', {
      cloudformation: cloudformation.client,
      lambda: fakeLambda({ SLUICE_KAFKA_AUTH: 'iam' }).client,
      flows: ['cleanse-reviews'],
    });
    // Assess
    await expect(noOutput).rejects.toThrow(
      'stack SluiceFlows has no output LakeSinkFunctionName; outputs: CleanseReviewsFunctionName, EnrichReviewsFunctionName, LakeBucketName',
    );
    await expect(noBrokers).rejects.toThrow(
      'function SluiceFlows-CleanseReviews-1A2B has no SLUICE_KAFKA_BROKERS',
    );
  });
});
