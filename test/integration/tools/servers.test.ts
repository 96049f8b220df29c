import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.ts';

const servers = (...args: string[]) => runCli('local/cli.ts', args);

describe('npm run servers, run as a user runs it', () => {
  it('status lists every server healthy with its endpoint and exits 0', async () => {
    // Act
    const { code, output } = await servers('status');

    // Assess
    expect(code, output).toBe(0);
    for (const name of ['kafka', 'dynamodb', 'opensearch', 's3', 'postgres'])
      expect(output).toMatch(new RegExp(`^${name} +healthy +\\S+:\\d+ +pid \\d+`, 'm'));
  });

  it('status of one server lists only that one', async () => {
    // Act
    const { code, output } = await servers('status', 'kafka');

    // Assess
    expect(code, output).toBe(0);
    expect(output.trim().split('\n')).toEqual([expect.stringMatching(/^kafka +healthy/)]);
  });

  it.each([
    [['stauts'], 'error: unknown command "stauts"'],
    [[], 'error: a command is needed'],
    [
      ['status', 'kafak'],
      'error: unknown server "kafak"; expected one of: kafka, dynamodb, opensearch, s3, postgres',
    ],
    [['start', '--resmue'], 'error: unknown option --resmue for npm start'],
  ])('%j exits 2 with the mistake and the usage line', async (args, mistake) => {
    // Act
    const { code, output } = await servers(...args);

    // Assess
    expect(code).toBe(2);
    expect(output).toContain(mistake);
    expect(output).toContain('usage: npm run servers -- <up|down|status>');
  });
});
