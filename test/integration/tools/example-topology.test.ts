import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.ts';

// The guide's commands (docs/writing-a-flow.md), run as a user runs them, on the fraud-scoring example.
const example = {
  SLUICE_TOPOLOGY: 'examples/fraud-scoring/topology.ts',
  SLUICE_DRAIN_TIMEOUT_SECONDS: '240',
};

describe('SLUICE_TOPOLOGY=examples/fraud-scoring/topology.ts, the local tools on the example', () => {
  it('npm start provisions the example, seeds merchants, publishes its samples and reports its outputs unjudged, exit 0', async () => {
    // Act
    const { code, output } = await runCli('local/cli.ts', ['start'], example);

    // Assess
    expect(code, output.slice(-4000)).toBe(0);
    expect(output).toContain(
      'provisioned 3 topics, 1 tables, bucket sluice-fraud-lake; seeded merchants (3)',
    );
    expect(output).toContain('bundled 1 functions: score-payments');
    expect(output).toContain(
      'published 8 records to payments (examples/fraud-scoring/events/records/payments.jsonl)',
    );
    expect(output).toMatch(/^ {2}payments\.alerts: records added +1$/m);
    expect(output).toMatch(/^ {2}payments\.dlq: records added +2$/m);
    expect(output).toMatch(/^ {2}S3 sluice-fraud-lake: new objects +[1-9]\d*$/m);
    expect(output).not.toContain('reviews');
    expect(output.trim().split('\n').at(-1)).toMatch(
      /^done: examples\/fraud-scoring\/ ran on its samples in/,
    );
    expect(output).not.toContain('ERROR');
  }, 300_000);

  it('npm run invoke -- score-payments <the example event> bundles the example flow and reports what it wrote, the lake once, exit 0', async () => {
    // Act
    const { code, output } = await runCli(
      'local/tools/invoke.ts',
      ['score-payments', 'examples/fraud-scoring/events/invoke/score-payments.json'],
      example,
    );

    // Assess
    expect(code, output.slice(-2000)).toBe(0);
    expect(output).toMatch(/"message":"batch".*"recordsIn":8,"filtered":2,"deadLettered":2/);
    expect(output).toMatch(/^payments\.alerts: \+1 record\(s\)/m);
    expect(output).toMatch(/^payments\.dlq: \+2 record\(s\)/m);
    // The lake writes the 4 scored payments once: invoked again (a rerun of this file), they are replayed copies.
    expect(output).toMatch(
      /^s3:sluice-fraud-lake\/payments\/scored: written (4 record\(s\) \(|0 record\(s\), 4 replayed copies left out)/m,
    );
  }, 180_000);

  it('npm start refuses a SLUICE_TOPOLOGY that names no file before starting anything, exit 1', async () => {
    // Act
    const { code, output } = await runCli('local/cli.ts', ['start'], { SLUICE_TOPOLOGY: 'examples/nope.ts' });

    // Assess
    expect(code).toBe(1);
    expect(output.trim()).toMatch(/^error: SLUICE_TOPOLOGY=examples\/nope\.ts: no such file/);
    expect(output).not.toContain('servers:');
  }, 60_000);
});
