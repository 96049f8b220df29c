import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.ts';

const invoke = (...args: string[]) => runCli('local/tools/invoke.ts', args);
const usage = 'usage: npm run invoke -- <flow> <event.json> [--remote] [--stack NAME]';
const dir = mkdtempSync(join(tmpdir(), 'sluice-invoke-tool-'));

describe('npm run invoke, run as a user runs it', () => {
  it('invokes a flow with a sample event, prints its result, a cold start (a fresh environment) and what its outputs received, exits 0', async () => {
    // Act
    const { code, output } = await invoke('cleanse-reviews', 'events/invoke/cleanse-reviews.json');

    // Assess
    expect(code, output.slice(-2000)).toBe(0);
    expect(output).toMatch(/^result: /m);
    expect(output).toMatch(/"message":"batch".*"cold_start":true/);
    expect(output).toMatch(/^reviews\.clean: \+\d+ record\(s\)/m);
    expect(output).not.toContain('ERROR');
  }, 180_000);

  it('reports AWS’s RequestEntityTooLargeException for a 7.7 MB event and exits 1', async () => {
    // Prepare: a Kafka event whose one record carries 7.7 MB.
    const file = join(dir, 'big.json');
    const value = Buffer.from(JSON.stringify({ text: 'x'.repeat(5_700_000) })).toString('base64');
    writeFileSync(
      file,
      JSON.stringify({
        eventSource: 'SelfManagedKafka',
        bootstrapServers: '127.0.0.1:9092',
        records: {
          'reviews.raw-0': [
            {
              topic: 'reviews.raw',
              partition: 0,
              offset: 0,
              timestamp: 0,
              timestampType: 'CREATE_TIME',
              key: null,
              value,
              headers: [],
            },
          ],
        },
      }),
    );

    // Act
    const { code, output } = await invoke('cleanse-reviews', file);

    // Assess
    expect(code, output.slice(-2000)).toBe(1);
    expect(output).toContain(
      'error: RequestEntityTooLargeException: Request must be smaller than 6291456 bytes for the InvokeFunction operation',
    );
    expect(output).not.toContain('"level":"ERROR"');
  }, 180_000);

  it.each([
    [[], 'error: expected 2 argument(s), got 0'],
    [['cleanse-reviews'], 'error: expected 2 argument(s), got 1'],
    [['cleanse-reviews', '/no/such/event.json'], 'error: event file /no/such/event.json does not exist'],
    [['cleanse-reviews', 'README.md'], 'error: README.md is not JSON'],
    [
      ['cleanse-review', 'events/invoke/cleanse-reviews.json'],
      'error: no flow named "cleanse-review"; flows: ',
    ],
    [
      ['cleanse-reviews', 'events/invoke/cleanse-reviews.json', '--remtoe'],
      "error: Unknown option '--remtoe'",
    ],
  ])('%j exits 2 with the mistake and the usage line', async (args, mistake) => {
    // Act
    const { code, output } = await invoke(...args);

    // Assess
    expect(code).toBe(2);
    expect(output).toContain(mistake);
    expect(output).toContain(usage);
  });
});
