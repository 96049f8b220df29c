import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { flowExecWrapper, flowNodeOptions, flowV8Flags } from '../../../cdk/bundling.ts';
import { lambdaNode } from '../../../local/lambda/runtime.ts';
import { enrichOnlyTopology, mskContext } from './fixtures/topology.ts';
import { resourcesOf, type Synthesized, synthesize } from './support.ts';

let synthesized: Synthesized;
beforeAll(() => {
  synthesized = synthesize(enrichOnlyTopology(), mskContext);
}, 120_000);

const flowFunctions = () => {
  const flows = synthesized.templates.get('SluiceFlows');
  if (!flows) throw new Error('no SluiceFlows stack');
  return resourcesOf(flows, 'AWS::Lambda::Function').filter(([, fn]) =>
    String(fn.Description ?? '').startsWith('Sluice flow'),
  );
};

describe("the flows' node flags, deployed", () => {
  it("name the wrapper script and its V8 flags in every flow's environment, beside NODE_OPTIONS", () => {
    // Act
    const functions = flowFunctions();
    // Assess
    expect(functions.length).toBeGreaterThan(0);
    for (const [, fn] of functions)
      expect((fn.Environment as { Variables?: Record<string, string> }).Variables).toMatchObject({
        NODE_OPTIONS: flowNodeOptions.join(' '),
        AWS_LAMBDA_EXEC_WRAPPER: flowExecWrapper.path,
        SLUICE_V8_FLAGS: flowV8Flags.join(' '),
      });
  });

  it('put the executable wrapper script beside every bundle', () => {
    // Act
    const bundles = readdirSync(synthesized.outdir)
      .map((entry) => join(synthesized.outdir, entry))
      .filter((dir) => existsSync(join(dir, 'index.mjs')));
    // Assess
    expect(bundles.length).toBeGreaterThan(0);
    for (const dir of bundles) {
      const wrapper = join(dir, flowExecWrapper.file);
      expect(existsSync(wrapper)).toBe(true);
      expect(statSync(wrapper).mode & 0o111).toBe(0o111);
    }
  });

  it('reach node through the wrapper script, right after the interpreter, as Lambda starts the runtime', () => {
    // Prepare: Lambda runs the wrapper with the runtime's command line, the interpreter first.
    const node = lambdaNode().path;
    // Act
    const run = spawnSync(
      flowExecWrapper.source,
      [node, '--expose-gc', '-e', 'console.log(JSON.stringify(process.execArgv))'],
      { encoding: 'utf8', env: { ...process.env, SLUICE_V8_FLAGS: flowV8Flags.join(' ') } },
    );
    // Assess
    expect(run.stderr).toBe('');
    expect((JSON.parse(run.stdout) as string[]).slice(0, flowV8Flags.length + 1)).toEqual([
      ...flowV8Flags,
      '--expose-gc',
    ]);
  });

  it('are flags node refuses in NODE_OPTIONS, which is why a wrapper carries them', () => {
    // Act
    const runs = flowV8Flags.map((flag) =>
      spawnSync(lambdaNode().path, ['-e', '0'], {
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: flag },
      }),
    );
    // Assess
    for (const run of runs) expect(run.stderr).toContain('is not allowed in NODE_OPTIONS');
  });
});
