/** `npm run bench -- <name>` runs bench/<name>.ts. */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The SDK warns once per process on Node 20 about its future Node 22 floor; the Lambda runtime is Node 24.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const here = dirname(fileURLToPath(import.meta.url));
const name = process.argv[2];
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.slice(0, -3));

if (!name || !/^[a-z0-9-]+$/.test(name) || !existsSync(join(here, `${name}.ts`))) {
  console.error(`usage: npm run bench -- <${available.join('|')}>`);
  process.exit(2);
}
const bench = (await import(pathToFileURL(join(here, `${name}.ts`)).href)) as {
  main: (args: string[]) => Promise<void>;
};
await bench.main(process.argv.slice(3));
