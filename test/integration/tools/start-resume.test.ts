import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.ts';

describe('npm start -- --resume, run as a user runs it', () => {
  it('drains, prints the outputs as observed without ok/FAIL verdicts, claims no match, prints no ERROR, exits 0', async () => {
    // Act
    const { code, output } = await runCli('local/cli.ts', ['start', '--resume'], {
      SLUICE_DRAIN_TIMEOUT_SECONDS: '240',
    });

    // Assess
    expect(code, output.slice(-4000)).toBe(0);
    expect(output).toContain('--resume: draining what the topics hold, publishing nothing');
    expect(output).toContain('outputs, as observed (what this run added; not judged with --resume):');
    expect(output).toMatch(/^ {2}reviews\.clean: records \(valid reviews\) +\d+$/m);
    expect(output).not.toMatch(/^(ok|FAIL) /m);
    expect(output).not.toContain('exactly what the sample events call for');
    expect(output.trim().split('\n').at(-1)).toMatch(
      /^done: drained what the topics held, in [\d.]+s; outputs not checked/,
    );
    expect(output).not.toContain('ERROR');
  }, 300_000);
});
