import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadTopologyModule } from '../../cdk/topology-module.ts';
import { readWindows } from '../../shared/stateful/index.ts';
import { localAwsConfig } from '../services/aws-local.ts';
import { readState } from '../services/state.ts';
import { toolArgs, usageError } from './args.ts';

/**
 * npm run query -- <flow> <key> [--all] [--remote] [--json]: the interactive query of a flow's windowed
 * aggregation: a key's windows, oldest first, as the state table holds them now (closed hours final, the open
 * one so far). Reads the local DynamoDB (dynalite) unless --remote (the deployed table, by the AWS SDK's default
 * credentials and region). Windows past their retention are left out, as services see them, unless --all.
 */
const usage = 'usage: npm run query -- <flow> <key> [--all] [--remote] [--json]';
const { values, positionals } = toolArgs(
  process.argv.slice(2),
  usage,
  { all: { type: 'boolean' }, remote: { type: 'boolean' }, json: { type: 'boolean' } },
  { min: 2, max: 2 },
);
const [flowName, key] = positionals as [string, string];

const { topology } = await loadTopologyModule();
const aggregations = (flow: (typeof topology.flows)[number]) =>
  flow.steps.filter((s) => s.kind === 'aggregate' && (s.keepsStateIn ?? []).length > 0);
const flow = topology.flows.find((f) => f.name === flowName);
const stateful = topology.flows.filter((f) => aggregations(f).length > 0).map((f) => f.name);
if (flow === undefined || aggregations(flow).length === 0)
  usageError(
    usage,
    `${flow === undefined ? 'no flow named' : 'no windowed aggregation in flow'} ${flowName} (flows with one: ${stateful.join(', ') || 'none'})`,
  );

let client: DynamoDBClient;
let where: string;
if (values.remote) {
  client = new DynamoDBClient({});
  where = 'AWS';
} else {
  const endpoint = readState().dynamodb?.endpoint;
  if (endpoint === undefined) {
    console.error('error: the local DynamoDB is not running (npm start, or npm run servers -- up)');
    process.exit(1);
  }
  client = new DynamoDBClient(localAwsConfig(endpoint));
  where = `local DynamoDB ${endpoint}`;
}

const time = (ms: number) => new Date(ms).toISOString().replace(':00.000Z', 'Z');
try {
  for (const step of aggregations(flow)) {
    const table = step.keepsStateIn?.[0] as NonNullable<typeof step.keepsStateIn>[number];
    // `now: 0` keeps every window: none has expired by the epoch.
    const windows = await readWindows(table, step.name, key, { client, ...(values.all ? { now: 0 } : {}) });
    if (values.json) {
      console.log(JSON.stringify({ flow: flowName, aggregation: step.name, key, windows }));
      continue;
    }
    console.log(
      `${flowName} · ${step.name} · ${key} (table ${table.name}, ${where}): ${windows.length} windows`,
    );
    for (const w of windows)
      console.log(`  ${time(w.windowStart)} – ${time(w.windowEnd)}  ${JSON.stringify(w.value)}`);
  }
} catch (error) {
  const name = (error as { name?: string }).name;
  console.error(
    `error: ${name === 'ResourceNotFoundException' ? 'the state table does not exist here (npm start creates it)' : (error as Error).message}`,
  );
  process.exitCode = 1;
} finally {
  client.destroy();
}
