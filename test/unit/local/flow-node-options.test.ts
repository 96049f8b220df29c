import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { flowNodeOptions } from '../../../cdk/bundling.ts';
import { lambdaNode } from '../../../local/lambda/runtime.ts';

// What kafkajs's request queue does once its pending queue empties (scheduleCheckPendingRequests).
const kafkajsNegativeTimeout = 'setTimeout(() => console.log("ran"), -1 - Date.now())';

describe("the flows' node options", () => {
  it("keep kafkajs's negative timeout out of the logs on the Lambda runtime's Node, and still run it", () => {
    // Act
    const run = (options: readonly string[]) =>
      spawnSync(lambdaNode().path, [...options, '-e', kafkajsNegativeTimeout], { encoding: 'utf8' });
    const plain = run([]);
    const flow = run(flowNodeOptions);
    // Assess
    expect(plain.stderr).toContain('TimeoutNegativeWarning');
    expect(flow.stderr).toBe('');
    expect(flow.stdout.trim()).toBe('ran');
  });

  it('are accepted in NODE_OPTIONS, as the deployed functions get them', () => {
    // Act
    const run = spawnSync(lambdaNode().path, ['-e', kafkajsNegativeTimeout], {
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: flowNodeOptions.join(' ') },
    });
    // Assess
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
  });
});
