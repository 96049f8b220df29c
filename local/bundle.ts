import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type BuildOptions, build } from 'esbuild';
import { FlowBundle } from '../cdk/bundling.ts';
import { localDir } from './services/paths.ts';

/**
 * The esbuild settings of the bundle the CDK app deploys (`cdk/bundling.ts`), starting at the flow's own file
 * so it carries only the steps and clients that flow uses.
 */
export const functionBuildOptions = (entry: string, outfile: string): BuildOptions => ({
  ...FlowBundle,
  mainFields: [...FlowBundle.mainFields],
  external: [...FlowBundle.external],
  banner: { js: FlowBundle.banner },
  entryPoints: [entry],
  outfile,
  bundle: true,
  logLevel: 'silent',
  metafile: true,
});

export interface BuiltBundle {
  readonly path: string;
  readonly bytes: number;
}

/** Builds one function's bundle into .local/bundles/<name>/index.mjs, as the CDK app bundles it for deployment. */
export const bundleFunction = async (name: string, entry: string): Promise<BuiltBundle> => {
  const dir = join(localDir, 'bundles', name);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'index.mjs');
  const result = await build(functionBuildOptions(entry, path));
  const bytes =
    result.metafile?.outputs[Object.keys(result.metafile.outputs).find((k) => k.endsWith('.mjs')) ?? '']
      ?.bytes ?? 0;
  return { path, bytes };
};
