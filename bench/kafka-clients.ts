/**
 * npm run bench -- kafka-clients [records] [batch]: the Kafka client decision's measured figures, side by side in
 * one run on Node.js 24: for kafkajs and @platformatic/kafka, the bytes a producer adds to a flow bundle (same
 * esbuild settings as CDK, cdk/bundling.ts), the time to import that bundle in a fresh process (median of 5),
 * and producer throughput through Sluice's topic output (bench/kafka-platformatic.ts, same port, records and
 * broker), and the two-hop floor (bench/e2e-floor.ts) with each client, kafkajs first, then platformatic, then
 * kafkajs again so a drift in the machine's load shows. Writes bench/results/kafka-clients.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { flowBuildOptions } from '../cdk/bundling.ts';
import { localKafka } from '../local/kafka-client.ts';
import { up } from '../local/services/manager.ts';
import { projectRoot } from '../local/services/paths.ts';
import { main as floor } from './e2e-floor.ts';

/** The least a flow needs of each client: a producer that connects, sends and closes. */
const entries = {
  kafkajs: `import { Kafka, CompressionTypes } from 'kafkajs';
export const make = (b) => new Kafka({ brokers: b }).producer();
export const gzip = CompressionTypes.GZIP;`,
  platformatic: `import { Producer, CompressionAlgorithms, compatibilityPartitioner } from '@platformatic/kafka';
export const make = (b) => new Producer({ bootstrapBrokers: b, partitioner: compatibilityPartitioner });
export const gzip = CompressionAlgorithms.GZIP;`,
  // Its producer module alone, past the package's exports map: what a flow could not get smaller than.
  platformaticProducerOnly: `import { Producer } from ${JSON.stringify(`${projectRoot}/node_modules/@platformatic/kafka/dist/clients/producer/index.js`)};
import { compatibilityPartitioner } from ${JSON.stringify(`${projectRoot}/node_modules/@platformatic/kafka/dist/clients/producer/partitioners.js`)};
export const make = (b) => new Producer({ bootstrapBrokers: b, partitioner: compatibilityPartitioner });`,
} as const;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

/** Bundle bytes, and the median ms to import the bundle in a fresh Node.js (this one: bench runs on 24). */
const bundleAndImport = async (client: keyof typeof entries) => {
  const dir = mkdtempSync(join(projectRoot, '.local', `bench-${client}-`));
  const entry = join(dir, 'entry.mjs');
  writeFileSync(entry, entries[client]);
  const outfile = join(dir, 'bundle.mjs');
  await build({
    ...flowBuildOptions(entry, outfile),
    sourcemap: false,
    // wasm-utils reads native.wasm beside its own file at import; its `bundled` entry inlines it.
    alias: { '@platformatic/wasm-utils': '@platformatic/wasm-utils/bundled' },
  });
  const probe = `const t = performance.now(); await import(${JSON.stringify(outfile)}); console.log(performance.now() - t);`;
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`importing the ${client} bundle failed: ${child.stderr}`);
    times.push(Number(child.stdout.trim()));
  }
  const bundleBytes = statSync(outfile).size;
  rmSync(dir, { recursive: true, force: true });
  return { bundleBytes, importMs: Number(median(times).toFixed(1)) };
};

export const main = async (args: string[]): Promise<void> => {
  // Import times are medians of fresh processes: on a loaded machine compare them within one run only.
  const records = Number(args[0] ?? 10_000);
  const batch = Number(args[1] ?? 500);
  mkdirSync(join(projectRoot, '.local'), { recursive: true });
  const footprint = {
    kafkajs: await bundleAndImport('kafkajs'),
    platformatic: await bundleAndImport('platformatic'),
    platformaticProducerOnly: await bundleAndImport('platformaticProducerOnly'),
  };
  console.log('producer in a flow bundle:', JSON.stringify(footprint));

  await up(['kafka']);
  const admin = localKafka('bench-clients').admin();
  await admin.connect();
  const topic = `bench.clients.${Date.now()}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  const broker = (await admin.describeCluster()).brokers.map((b) => `${b.host}:${b.port}`)[0] ?? '';
  const child = spawnSync(
    process.execPath,
    [
      '--no-warnings',
      '--import',
      'tsx',
      join(projectRoot, 'bench', 'kafka-platformatic.ts'),
      broker,
      topic,
      String(records),
      String(batch),
    ],
    { cwd: projectRoot, encoding: 'utf8', timeout: 600_000 },
  );
  await admin.deleteTopics({ topics: [topic] });
  await admin.disconnect();
  if (child.status !== 0) throw new Error(`kafka-platformatic failed: ${child.stderr}`);
  const throughput = JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}') as {
    kafkajs: { recordsPerSec: number };
    platformatic: { recordsPerSec: number };
  };
  const floorRecords = Number(args[2] ?? 20_000);
  const floors = {
    kafkajs: (await floor([String(floorRecords), 'gzip', 'kafkajs'])).recordsPerSec,
    platformatic: (await floor([String(floorRecords), 'gzip', 'platformatic'])).recordsPerSec,
    kafkajsAgain: (await floor([String(floorRecords), 'gzip', 'kafkajs'])).recordsPerSec,
  };
  const result = {
    node: process.version,
    records,
    batch,
    footprint,
    topicOutput: throughput,
    platformaticToKafkajsThroughput: Number(
      (throughput.platformatic.recordsPerSec / throughput.kafkajs.recordsPerSec).toFixed(2),
    ),
    floorRecordsPerSec: floors,
    platformaticToKafkajsFloor: Number(
      ((2 * floors.platformatic) / (floors.kafkajs + floors.kafkajsAgain)).toFixed(2),
    ),
    platformaticToKafkajsBundleBytes: Number(
      (footprint.platformatic.bundleBytes / footprint.kafkajs.bundleBytes).toFixed(2),
    ),
    measuredAt: new Date().toISOString(),
  };
  console.log(JSON.stringify(result, null, 2));
  mkdirSync(join(projectRoot, 'bench', 'results'), { recursive: true });
  writeFileSync(
    join(projectRoot, 'bench', 'results', 'kafka-clients.json'),
    `${JSON.stringify(result, null, 2)}\n`,
  );
};
