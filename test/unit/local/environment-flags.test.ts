import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { flowNodeOptions, flowV8Flags } from '../../../cdk/bundling.ts';
import { FunctionPool } from '../../../local/lambda/pool.ts';
import { lambdaNodeArgs } from '../../../local/lambda/runtime.ts';

// A stand-in bundle that answers with the flags its environment's node was started with.
const dir = mkdtempSync(join(tmpdir(), 'sluice-env-flags-'));
const bundlePath = join(dir, 'index.mjs');
writeFileSync(bundlePath, 'export const handler = async () => process.execArgv;\n');

const pool = new FunctionPool({
  name: 'flags',
  bundlePath,
  memoryMb: 512,
  timeoutMs: 10_000,
  environment: {},
  concurrency: 1,
  logFile: join(dir, 'flags.log'),
});
afterAll(() => pool.close());

describe('a local execution environment', () => {
  it("starts with the deployed function's flags: the runtime's heap flags, the V8 flags and NODE_OPTIONS", async () => {
    // Act
    const result = await pool.invoke({});
    // Assess
    expect(result.ok).toBe(true);
    const execArgv = (result as { payload: string[] }).payload;
    for (const flag of [...lambdaNodeArgs(512), ...flowV8Flags, ...flowNodeOptions])
      expect(execArgv).toContain(flag);
  });
});
