// What each function bundle holds, read from esbuild's metafile for the bundle CDK deploys (cdk/bundling.ts):
// a guard against a flow growing an eager dependency it does not use. Import times: `npm run bench -- bundles`.
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { flowBuildOptions, projectRoot } from '../../../cdk/bundling.ts';
import { flowEntries } from '../../../cdk/topology.ts';
import { topology } from '../../../functions/topology.ts';

interface Bundle {
  readonly bytes: number;
  /** Input files that contribute code to the bundle. */
  readonly inputs: readonly string[];
  /** Packages left external that code in the bundle imports or requires, in any way, at once or on first use. */
  readonly externals: ReadonlySet<string>;
  readonly meta: Metafile;
}

const bundles = new Map<string, Bundle>();

// One esbuild build per flow: ~13 s here when the machine is quiet, over 60 s at a load average of 19 on 2 cores.
beforeAll(async () => {
  for (const [name, entry] of flowEntries(topology)) {
    const outfile = join(projectRoot, '.local', 'test-bundles', name, 'index.mjs');
    const result = await build({ ...flowBuildOptions(entry, outfile), write: false, metafile: true });
    const output =
      result.metafile.outputs[Object.keys(result.metafile.outputs).find((o) => o.endsWith('.mjs'))!]!;
    const inputs = Object.entries(output.inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path]) => path);
    const externals = inputs.flatMap((input) =>
      result.metafile.inputs[input]!.imports.filter((i) => i.external && i.path !== '<runtime>').map(
        (i) => i.path,
      ),
    );
    bundles.set(name, { bytes: output.bytes, inputs, externals: new Set(externals), meta: result.metafile });
  }
}, 180_000);

const packageOf = (input: string): string | undefined =>
  /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];
const packagesIn = (flow: string): Set<string> =>
  new Set(bundles.get(flow)!.inputs.flatMap((input) => packageOf(input) ?? []));

/** Heavy libraries, and the only flows whose bundles may carry them. */
const OnlyIn: Readonly<Record<string, readonly string[]>> = {
  'libphonenumber-js': ['cleanse-reviews'],
  'i18n-iso-countries': ['cleanse-reviews'],
  '@opensearch-project/opensearch': ['search-sink'],
  'hyparquet-writer': ['lake-sink', 'orders-lake'],
  // product-ratings: the aggregate step's warm window cache.
  'lru-cache': ['cleanse-reviews', 'enrich-reviews', 'orders-lake', 'orders-by-customer', 'product-ratings'],
  // Schema registry formats: only orders-lake and orders-by-customer read a registry topic (the codecs module
  // holds all three).
  avsc: ['orders-lake', 'orders-by-customer'],
  protobufjs: ['orders-lake', 'orders-by-customer'],
  ajv: ['orders-lake', 'orders-by-customer'],
};

/**
 * @aws-sdk packages besides the clients that bundles leave to the Lambda runtime, which AWS documents only for the
 * clients (aws/aws-sdk-js-v3#5594). `credential-provider-node` is one every client imports itself, so the runtime
 * has it wherever its clients work; everything else of the SDK is bundled (FlowBundle.external).
 */
const SdkBeyondClients: Readonly<Record<string, readonly string[]>> = {
  // The OpenSearch client's SigV4 signer (@opensearch-project/opensearch/aws-v3) imports it only when given no
  // getCredentials; shared/clients/opensearch.ts gives the role's keys, so it is reached in code, never run.
  '@aws-sdk/credential-provider-node': ['search-sink'],
};

describe('function bundles', () => {
  it('builds one bundle per flow of the topology', () => {
    expect([...bundles.keys()].sort()).toEqual(topology.flows.map((f) => f.name).sort());
  });

  it('stay under 1 MiB (1,048,576 bytes) each', () => {
    for (const [flow, bundle] of bundles)
      expect({ flow, under: bundle.bytes <= 1024 * 1024 }).toEqual({ flow, under: true });
  });

  it.each(Object.entries(OnlyIn))('carry %s only in the flows that use it', (pkg, users) => {
    const carrying = [...bundles.keys()].filter((flow) => packagesIn(flow).has(pkg));
    expect(carrying.sort()).toEqual([...users].sort());
  });

  it('carry zod/mini, never classic zod nor a message locale besides English', () => {
    for (const [flow, bundle] of bundles) {
      const zod = bundle.inputs.filter((input) => packageOf(input) === 'zod');
      const offending = zod.filter(
        (input) => input.includes('/v4/classic/') || /\/locales\/(?!en\.js)/.test(input),
      );
      expect({ flow, offending }).toEqual({ flow, offending: [] });
    }
  });

  it('sign IAM auth tokens (PostgreSQL, MSK) with code they carry, never through an @aws-sdk lib package', () => {
    // reviews-mart is the toPostgres flow; every flow with a Kafka producer may sign MSK IAM tokens. The signers
    // AWS publishes (@aws-sdk/rds-signer, aws-msk-iam-sasl-signer-js) reach these packages.
    const signerPackages = [
      '@aws-sdk/rds-signer',
      '@aws-sdk/credential-providers',
      '@aws-sdk/client-sts',
      '@aws-sdk/util-format-url',
      '@aws-sdk/util-utf8-browser',
    ];
    expect(bundles.has('reviews-mart')).toBe(true);
    for (const [flow, bundle] of bundles) {
      const reaching = signerPackages.filter((pkg) => bundle.externals.has(pkg));
      expect({ flow, reaching }).toEqual({ flow, reaching: [] });
    }
    expect(packagesIn('reviews-mart').has('@smithy/signature-v4')).toBe(true);
  });

  it.each(Object.entries(SdkBeyondClients))(
    'reach %s, an @aws-sdk package besides the clients, only from the flows listed',
    (pkg, users) => {
      const reaching = [...bundles.keys()].filter((flow) => bundles.get(flow)!.externals.has(pkg));
      expect(reaching.sort()).toEqual([...users].sort());
    },
  );

  it('reach no other @aws-sdk package than the clients (@aws-sdk/client-*) and those listed', () => {
    for (const [flow, bundle] of bundles) {
      const others = [...bundle.externals].filter(
        (pkg) =>
          pkg.startsWith('@aws-sdk/') && !pkg.startsWith('@aws-sdk/client-') && !(pkg in SdkBeyondClients),
      );
      expect({ flow, others }).toEqual({ flow, others: [] });
    }
  });

  it('import external packages (the AWS SDK the runtime provides) on first use, never at cold start', () => {
    // A static import of an external is hoisted to the top of the ESM bundle and loaded at import time: the
    // enrich-reviews bundle once loaded @aws-sdk/client-dynamodb that way, ~150 ms of every cold start.
    const builtins = new Set(builtinModules);
    for (const [flow, bundle] of bundles) {
      const eager = Object.entries(bundle.meta.inputs).flatMap(([from, input]) =>
        input.imports
          .filter((i) => i.external && i.kind === 'import-statement' && i.path !== '<runtime>')
          .filter((i) => !i.path.startsWith('node:') && !builtins.has(i.path))
          .map((i) => `${from} → ${i.path}`),
      );
      expect({ flow, eager }).toEqual({ flow, eager: [] });
    }
  });
});
