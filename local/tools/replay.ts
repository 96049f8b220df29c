import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { Kafka, logLevel } from 'kafkajs';
import { loadTopologyModule } from '../../cdk/topology-module.ts';
import { awsRegion } from '../../shared/clients/endpoints.ts';
import { localKafka } from '../kafka-client.ts';
import { invokeEndpointFile } from '../runner/pipeline.ts';
import { pipelineReplayer, type Replayer, runningPipeline, runReplay } from './replay/cli.ts';
import { moveGroup } from './replay/move-group.ts';
import { remoteReplay } from './replay/remote.ts';

/**
 * npm run replay -- <flow>... --from <earliest | latest | ISO time | offsets.json> [--remote] [--stack NAME]
 * Moves each flow's consumer group on its source topic and says what moved: through the running `npm start`
 * (which stops the flow's mapping, moves the group and starts it again), else on the local broker (the next
 * `npm start -- --resume` processes from there), or with --remote on AWS. See local/tools/replay/ for the parts.
 */
// The SDK warns once per process on Node 20 about its future Node 22 floor; the Lambda runtime is Node 24.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const localReplayer: Replayer = async (flow, position) => {
  const admin = localKafka('sluice-replay').admin();
  await admin.connect();
  try {
    const moves = await moveGroup(admin, { groupId: flow.group, topic: flow.topic, position });
    return { flow: flow.name, topic: flow.topic, group: flow.group, moves };
  } finally {
    await admin.disconnect();
  }
};

const code = await runReplay(process.argv.slice(2), {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  flows: async () => {
    const { topology } = await loadTopologyModule();
    return topology.flows.map((f) => ({
      name: f.name,
      topic: f.source.topic.name,
      group: f.source.consumerGroup,
    }));
  },
  replayer: async (args) => {
    if (args.remote) {
      const deps = {
        cloudformation: new CloudFormationClient({}),
        lambda: new LambdaClient({}),
        admin: (config: ConstructorParameters<typeof Kafka>[0]) =>
          new Kafka({ ...config, logLevel: logLevel.NOTHING }).admin(),
        region: awsRegion(),
        out: (line: string) => console.log(line),
      };
      return {
        replay: (flow, position) => remoteReplay(args.stack, flow, position, deps),
        where: `on AWS (stack ${args.stack})`,
      };
    }
    const endpoint = await runningPipeline(invokeEndpointFile);
    if (endpoint)
      return {
        replay: pipelineReplayer(endpoint),
        where: `through the running pipeline (${endpoint}): each flow's mapping stops, moves, resumes`,
      };
    return {
      replay: localReplayer,
      where: 'on the local broker (no pipeline running)',
      after: 'no pipeline is running: npm start -- --resume processes the flows from there',
    };
  },
});
// Exit only once stdout is flushed: on a pipe, console.log is asynchronous.
process.stdout.write('', () => process.exit(code));
