/**
 * Bundle benchmark: per flow, the minified bundle CDK deploys (same esbuild settings, cdk/bundling.ts) and the
 * time to import it in a fresh Node process (median of several runs), side by side with one all-in-one bundle
 * that imports every flow and every client the project uses. Writes bench/results/bundles.json.
 *
 *   npm run bench -- bundles [--runs 7] [--analyze]
 *
 * `--analyze` also prints esbuild's metafile analysis of each bundle: what it holds, largest inputs first.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { analyzeMetafile, build } from 'esbuild';
import { flowBuildOptions, projectRoot } from '../cdk/bundling.ts';
import { flowEntries } from '../cdk/topology.ts';
import { topology } from '../functions/topology.ts';

const here = dirname(fileURLToPath(import.meta.url));
const workDir = join(projectRoot, '.local', 'bench-bundles');
const resultsFile = join(here, 'results', 'bundles.json');

/** The targets from the issue: absolute, relative to the all-in-one bundle, and size. */
const Targets = { importMs: 150, ratioToAllInOne: 0.6, bundleBytes: 1024 * 1024 } as const;

const bundle = async (entry: string, outfile: string, analyze: boolean): Promise<number> => {
  const result = await build({ ...flowBuildOptions(entry, outfile), metafile: analyze });
  if (result.metafile)
    console.log(`${relative(projectRoot, entry)}${await analyzeMetafile(result.metafile)}`);
  return statSync(outfile).size;
};

/** Everything a monolithic handler would load up front: every flow, every client, each client created. */
const allInOneSource = (flowFiles: readonly string[], from: string): string => {
  const rel = (file: string) => JSON.stringify(relative(from, file).split('\\').join('/'));
  const clients = join(projectRoot, 'shared', 'clients');
  return [
    "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
    "import { S3Client } from '@aws-sdk/client-s3';",
    "import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';",
    "import { Client as OpenSearchClient } from '@opensearch-project/opensearch';",
    "import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws-v3';",
    "import { Kafka } from 'kafkajs';",
    "import { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';",
    ...['s3', 'dynamodb', 'opensearch', 'kafka', 'secrets', 'msk-iam'].map(
      (c, i) => `import * as client${i} from ${rel(join(clients, `${c}.ts`))};`,
    ),
    ...flowFiles.map((file, i) => `import * as flow${i} from ${rel(file)};`),
    "const region = 'us-east-1';",
    'export const clients = [new DynamoDBClient({ region }), new S3Client({ region }), new SecretsManagerClient({ region }),',
    "  new OpenSearchClient({ node: 'https://localhost:9200', ...AwsSigv4Signer({ region, service: 'es' }) }),",
    "  new Kafka({ brokers: ['localhost:9092'] }).producer(), generateAuthToken,",
    `  ${['s3', 'dynamodb', 'opensearch', 'kafka', 'secrets', 'msk-iam'].map((_, i) => `client${i}`).join(', ')}];`,
    `export const flows = [${flowFiles.map((_, i) => `flow${i}`).join(', ')}];`,
    '',
  ].join('\n');
};

/** Milliseconds to import a module in a fresh Node process, measured inside that process. */
const importOnce = async (file: string): Promise<number> => {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(performance.now() - t);`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    env: {
      ...process.env,
      AWS_REGION: 'us-east-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  });
  return Number(stdout.trim().split('\n').at(-1));
};

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Runs are interleaved across bundles so a noisy moment does not land on one of them only. */
const measure = async (files: ReadonlyMap<string, string>, runs: number): Promise<Map<string, number>> => {
  const samples = new Map<string, number[]>([...files.keys()].map((k) => [k, []]));
  for (const file of files.values()) await importOnce(file); // warm the OS file cache
  for (let run = 0; run < runs; run++) {
    for (const [name, file] of files) samples.get(name)!.push(await importOnce(file));
  }
  return new Map([...samples].map(([name, values]) => [name, Math.round(median(values) * 10) / 10]));
};

export const main = async (args: string[]): Promise<void> => {
  const runsAt = args.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 7;
  const analyze = args.includes('--analyze');
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a positive integer');

  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const entries = flowEntries(topology);
  const files = new Map<string, string>();
  const sizes = new Map<string, number>();
  for (const [name, entry] of entries) {
    const out = join(workDir, name, 'index.mjs');
    sizes.set(name, await bundle(entry, out, analyze));
    files.set(name, out);
  }
  const allInOneEntry = join(workDir, 'all-in-one.ts');
  writeFileSync(allInOneEntry, allInOneSource([...entries.values()], workDir));
  const allInOneFile = join(workDir, 'all-in-one', 'index.mjs');
  const allInOneBytes = await bundle(allInOneEntry, allInOneFile, false);
  files.set('(all-in-one)', allInOneFile);

  const times = await measure(files, runs);
  const allInOneImportMs = times.get('(all-in-one)')!;
  const functions: Record<string, { bundleBytes: number; importMs: number }> = {};
  const misses: string[] = [];
  const rows: string[] = [];
  for (const flow of topology.flows) {
    const bundleBytes = sizes.get(flow.name)!;
    const importMs = times.get(flow.name)!;
    functions[flow.name] = { bundleBytes, importMs };
    const ratio = importMs / allInOneImportMs;
    if (importMs > Targets.importMs)
      misses.push(`${flow.name}: import ${importMs} ms > ${Targets.importMs} ms`);
    if (ratio > Targets.ratioToAllInOne)
      misses.push(`${flow.name}: ${ratio.toFixed(2)} × all-in-one > ${Targets.ratioToAllInOne}`);
    if (bundleBytes > Targets.bundleBytes) misses.push(`${flow.name}: ${bundleBytes} bytes > 1 MiB`);
    rows.push(
      `${flow.name.padEnd(18)} ${(bundleBytes / 1024).toFixed(0).padStart(7)} KiB ${importMs.toFixed(1).padStart(8)} ms  ${ratio.toFixed(2)}×`,
    );
  }
  rows.push(
    `${'(all-in-one)'.padEnd(18)} ${(allInOneBytes / 1024).toFixed(0).padStart(7)} KiB ${allInOneImportMs.toFixed(1).padStart(8)} ms  1.00×`,
  );

  mkdirSync(dirname(resultsFile), { recursive: true });
  writeFileSync(resultsFile, `${JSON.stringify({ functions, allInOneImportMs }, null, 2)}\n`);
  console.log(`bundle import, median of ${runs} fresh Node ${process.version} processes\n`);
  console.log(`${'flow'.padEnd(18)} ${'bundle'.padStart(11)} ${'import'.padStart(11)}  vs all-in-one`);
  console.log(rows.join('\n'));
  console.log(`\n${relative(projectRoot, resultsFile)} written`);
  if (misses.length) {
    console.log(`targets missed:\n  ${misses.join('\n  ')}`);
    process.exitCode = 1;
  } else {
    console.log('targets met: every function ≤ 150 ms, ≤ 0.6 × all-in-one, ≤ 1 MiB');
  }
};
