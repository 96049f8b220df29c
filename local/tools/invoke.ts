import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { loadTopologyModule } from '../../cdk/topology-module.ts';
import type { Topology } from '../../shared/topology/topology.ts';
import { localKafka } from '../kafka-client.ts';
import { FlowSummary } from '../runner/function-logs.ts';
import { invokeEndpointFile, LocalPipeline } from '../runner/pipeline.ts';
import { provisionPostgres } from '../runner/postgres.ts';
import { provision } from '../runner/provision.ts';
import { topicEnds } from '../runner/verify.ts';
import { up } from '../services/manager.ts';
import { readState } from '../services/state.ts';
import { toolArgs, usageError } from './args.ts';
import { flowFunctionName, stackOutputs } from './stack-outputs.ts';

/**
 * npm run invoke -- <flow> <event.json> [--remote] [--stack NAME]
 * Invokes a flow with a Kafka event-source payload through the AWS SDK LambdaClient: the local Invoke API by
 * default (starting what it needs), or the deployed function with --remote (name from the stack outputs,
 * credentials from the usual AWS chain). Prints the result, the log tail and what the outputs received.
 */
// The SDK warns once per process on Node 20 about its future Node 22 floor; the Lambda runtime is Node 24.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const usage = 'usage: npm run invoke -- <flow> <event.json> [--remote] [--stack NAME]';
const { values, positionals } = toolArgs(
  process.argv.slice(2),
  usage,
  { remote: { type: 'boolean' }, stack: { type: 'string' } },
  { min: 2, max: 2 },
);
const [flowName, eventFile] = positionals as [string, string];
const remote = values.remote ?? false;
const stackName = values.stack ?? 'SluiceFlows';

if (!existsSync(eventFile)) usageError(usage, `event file ${eventFile} does not exist`);
const payload = readFileSync(eventFile);
try {
  JSON.parse(payload.toString('utf8'));
} catch (error) {
  usageError(usage, `${eventFile} is not JSON: ${(error as Error).message}`);
}

const { topology, functionsDir, eventsDir } = await loadTopologyModule().catch((error: Error) =>
  usageError(usage, error.message),
);
const flow = topology.flow(flowName);
if (!flow)
  usageError(usage, `no flow named "${flowName}"; flows: ${topology.flows.map((f) => f.name).join(', ')}`);

/** The deployed function's name, from the stack output the CDK app writes for each flow. */
const remoteFunctionName = async (flow: string, stack: string): Promise<string> =>
  flowFunctionName(await stackOutputs(new CloudFormationClient({}), stack), stack, flow);

const reachable = async (endpoint: string) => {
  try {
    await fetch(endpoint, { method: 'GET', signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
};

let pipeline: LocalPipeline | undefined;
let client: LambdaClient;
let functionName = flowName;
const outputTopics = flow.outputs.filter((o) => o.kind === 'topic').flatMap((o) => o.resources.topics ?? []);
const deadLetterTopics = flow.deadLetter.resources.topics ?? [];
let before: Map<string, number> | undefined;
const kafka = remote ? undefined : localKafka('sluice-invoke');

if (remote) {
  functionName = await remoteFunctionName(flowName, stackName);
  client = new LambdaClient({});
} else {
  if (!kafka) throw new Error('no local Kafka client');
  await up();
  const state = readState();
  await provision(topology, state, kafka, eventsDir);
  await provisionPostgres(topology, state, join(functionsDir, 'sql'));
  let endpoint = existsSync(invokeEndpointFile) ? readFileSync(invokeEndpointFile, 'utf8').trim() : '';
  if (!endpoint || !(await reachable(endpoint))) {
    // No runner is serving: serve this one flow for the length of the call.
    const only: Topology = { ...topology, flows: [flow] };
    pipeline = new LocalPipeline(only, state, kafka, functionsDir);
    await pipeline.buildFunctions();
    endpoint = await pipeline.serveInvokeApi();
  }
  client = new LambdaClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const admin = kafka.admin();
  await admin.connect();
  before = await topicEnds(admin, [...outputTopics, ...deadLetterTopics]);
  await admin.disconnect();
}

const invoked = await client
  .send(new InvokeCommand({ FunctionName: functionName, Payload: payload, LogType: 'Tail' }))
  .catch((error: Error) => error);
if (invoked instanceof Error) {
  // The Invoke API refused the call (too large, unknown function, no credentials): its words, exit 1.
  console.error(`error: ${invoked.name}: ${invoked.message}`);
  await pipeline?.stop();
  client.destroy();
  process.exit(1);
}
const response = invoked;
const result = Buffer.from(response.Payload ?? new Uint8Array()).toString('utf8');
console.log(`${response.FunctionError ? `function error (${response.FunctionError})` : 'result'}: ${result}`);
const logs = response.LogResult ? Buffer.from(response.LogResult, 'base64').toString('utf8') : '';
const summaryLines = logs
  .split('\n')
  .filter((l) => l.includes('"message":"batch"') || l.startsWith('REPORT'));
console.log(
  `log summary:\n${(summaryLines.length > 0 ? summaryLines : logs.split('\n').slice(-5)).map((l) => `  ${l}`).join('\n')}`,
);

/** What the invocation's batch lines say each output wrote, and the replayed copies left out. */
const invocation = new FlowSummary();
for (const line of summaryLines) if (line.includes('"message":"batch"')) invocation.add(JSON.parse(line));

if (!remote && before && kafka) {
  // What the outputs received: the records this invocation added to each topic it writes.
  const admin = kafka.admin();
  await admin.connect();
  for (const topic of [...outputTopics, ...deadLetterTopics]) {
    const offsets = await admin.fetchTopicOffsets(topic);
    const added = offsets.reduce((n, p) => n + Number(p.high), 0) - (before.get(topic) ?? 0);
    console.log(`${topic}: +${added} record(s)${added > 0 ? ` (npm run tail -- ${topic})` : ''}`);
  }
  await admin.disconnect();
  for (const o of flow.outputs.filter((o) => o.kind !== 'topic')) {
    console.log(
      `${o.name}: written ${invocation.written.get(o.name) ?? 0} record(s)${invocation.replayed > 0 ? `, ${invocation.replayed} replayed copies left out` : ''} (see npm start's report for where to look)`,
    );
  }
}
await pipeline?.stop();
client.destroy();
process.exit(response.FunctionError ? 1 : 0);
