import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type BuildOptions, build } from 'esbuild';
import { localDir } from './services/paths.ts';

/**
 * The esbuild settings a function bundle is built with: ESM for the Node.js runtime, minified, with source maps,
 * starting at the flow's own file so it carries only the steps and clients that flow uses.
 */
export const functionBuildOptions = (entry: string, outfile: string): BuildOptions => ({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: true,
  sourcemap: true,
  mainFields: ['module', 'main'],
  // CommonJS dependencies (kafkajs, the SDK's CJS parts) call require(); ESM bundles need it defined.
  banner: {
    js: "import { createRequire as __sluiceRequire } from 'node:module'; const require = __sluiceRequire(import.meta.url);",
  },
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
