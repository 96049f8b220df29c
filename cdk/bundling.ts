import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/** The repository root: NodejsFunction's project root and the base of every flow entry. */
export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The one set of esbuild settings a flow bundle is built with. The CDK app (through NodejsFunction), the
 * bundle benchmark and anything else that wants "the bundle CDK deploys" read it from here.
 */
export const FlowBundle = {
  /** Lambda's Node.js 24 runtime. */
  target: 'node24',
  format: 'esm',
  platform: 'node',
  minify: true,
  /** Error class names survive minification: dead-letter headers and logs name `ValidationError`, not `yi`. */
  keepNames: true,
  sourcemap: true,
  /** Stack traces map back to files; the sources themselves stay out of the bundle. */
  sourcesContent: false,
  /** Prefer ESM entry points so unused exports can be tree-shaken. */
  mainFields: ['module', 'main'],
  /**
   * CommonJS dependencies (kafkajs, …) call `require` for Node built-ins, which an ESM bundle lacks; give
   * them one. The alias keeps it clear of any `require` binding in bundled code.
   */
  banner:
    "import { createRequire as __sluiceRequire } from 'node:module'; const require = __sluiceRequire(import.meta.url);",
  /**
   * The AWS SDK v3 clients come with the Node.js 24 runtime, so they stay out of the bundle (as NodejsFunction
   * does by default). Outputs load their client lazily, so a flow pays for the SDK on its first write, not at
   * import; bundled, its ~600 KB would be compiled on every cold start by every flow (bench/bundles.ts measures
   * it). Only the clients and what every client itself imports (`credential-provider-node`) are left to the
   * runtime: AWS does not document which other `@aws-sdk` packages it ships (aws-sdk-js-v3 #5594), so those
   * (`util-dynamodb`, 10 KB) are bundled, and the IAM token signers are ours (`shared/clients/presigned-url.ts`).
   */
  external: ['@aws-sdk/client-*', '@aws-sdk/credential-provider-node'] as string[],
} as const;

/**
 * The node options every flow runs with, deployed (`NODE_OPTIONS`) and local (the execution environments'
 * arguments): stack traces through the bundle's source map, and without kafkajs's TimeoutNegativeWarning (its
 * request queue schedules `-1 - Date.now()` ms once its pending queue empties, which an idempotent producer's
 * one request in flight makes happen; Node runs it after 1 ms as intended, but Node 24 logs a warning line).
 */
export const flowNodeOptions: readonly string[] = [
  '--enable-source-maps',
  '--disable-warning=TimeoutNegativeWarning',
];

/**
 * V8 flags every flow runs with that node refuses in NODE_OPTIONS: deployed through Lambda's wrapper script
 * (`flowExecWrapper`), given to local execution environments and to the in-process baseline as arguments.
 * `--single-threaded-gc`: garbage collection on the JavaScript thread only. V8's concurrent marking and parallel
 * scavenges spent more CPU on helper threads than the whole collection costs on one thread (bench/e2e.ts,
 * `cpuMicrosPerRecordByStage.<flow>.gc`), and a function's helper threads share its fractional vCPU: on Lambda
 * they buy no wall time, only billed CPU.
 */
export const flowV8Flags: readonly string[] = ['--single-threaded-gc'];

/**
 * The wrapper script that puts `flowV8Flags` on the runtime's command line: copied into every flow's bundle and
 * named by `AWS_LAMBDA_EXEC_WRAPPER`; it reads the flags from `SLUICE_V8_FLAGS`.
 */
export const flowExecWrapper = {
  source: join(projectRoot, 'cdk', 'sluice-node.sh'),
  file: 'sluice-node.sh',
  /** Where Lambda finds it: the function's code is unpacked in /var/task. */
  path: '/var/task/sluice-node.sh',
} as const;

/**
 * FlowBundle as esbuild build options, for code that runs esbuild itself (the bundle benchmark, the bundle
 * content tests) rather than through NodejsFunction, which takes the same settings in cdk/constructs/flow.ts.
 */
export const flowBuildOptions = (entry: string, outfile: string): BuildOptions => ({
  entryPoints: [entry],
  outfile,
  bundle: true,
  target: FlowBundle.target,
  format: FlowBundle.format,
  platform: FlowBundle.platform,
  minify: FlowBundle.minify,
  keepNames: FlowBundle.keepNames,
  sourcemap: FlowBundle.sourcemap,
  sourcesContent: FlowBundle.sourcesContent,
  mainFields: [...FlowBundle.mainFields],
  banner: { js: FlowBundle.banner },
  external: [...FlowBundle.external],
  logLevel: 'error',
});

/**
 * FlowBundle as NodejsFunction bundling options (local esbuild, never Docker): every function the CDK app
 * bundles, flows and the deploy-time custom resources alike.
 */
export const nodejsBundling = (): nodejs.BundlingOptions => ({
  forceDockerBundling: false,
  minify: FlowBundle.minify,
  keepNames: FlowBundle.keepNames,
  sourceMap: FlowBundle.sourcemap,
  sourcesContent: FlowBundle.sourcesContent,
  target: FlowBundle.target,
  format: nodejs.OutputFormat.ESM,
  mainFields: [...FlowBundle.mainFields],
  banner: FlowBundle.banner,
  externalModules: [...FlowBundle.external],
  // esbuild's own size table and timing are noise in synth and test output; warnings and errors still show.
  logLevel: nodejs.LogLevel.WARNING,
});
