import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectationsFor } from '../../../local/runner/expectations.ts';
import { lakeCopiesOf, lakeKeys, readLake } from '../../../local/runner/verify.ts';
import { readState } from '../../../local/services/state.ts';
import { runCli } from '../../support/cli.ts';
import { topicEndOffsets } from '../../support/topics.ts';

const run = (entry: string, args: string[]) =>
  runCli(entry, args).then(({ code, output }) => ({ code, output: output.slice(-4000) }));
const succeeded = async (running: ReturnType<typeof run>) => {
  const { code, output } = await running;
  expect(code, output).toBe(0);
};
const start = () => run('local/cli.ts', ['start']);
const invoke = (flow: string, event: string) => run('local/tools/invoke.ts', [flow, event]);

type SampleEvent = { records: Record<string, { headers: Record<string, number[]>[] }[]> };
const bytes = (text: string) => [...Buffer.from(text, 'utf8')];

/**
 * events/invoke/lake-sink.json with its records' origin offsets (reviews.raw/0, ahead of a fresh topic) placed
 * `ahead` of where reviews.raw/0 ends now, so the test means the same on servers that earlier tests already
 * filled. The lake sink is invoked itself: its replay marks are what real traffic could wrongly be taken for a
 * copy of, and its output is the lake alone (an upstream flow's sample would also feed the stateful and
 * notifying flows downstream, whose checks count every record they read).
 */
const sampleAhead = async (ahead: number): Promise<string> => {
  const event = JSON.parse(readFileSync('events/invoke/lake-sink.json', 'utf8')) as SampleEvent;
  const end = (await topicEndOffsets('reviews.raw')).get(0) ?? 0;
  for (const records of Object.values(event.records)) {
    records.forEach((record, i) => {
      for (const header of record.headers) {
        if ('sluice.origin.offset' in header) header['sluice.origin.offset'] = bytes(String(end + ahead + i));
        if ('sluice.source.offset' in header) header['sluice.source.offset'] = bytes(String(end + ahead + i));
      }
    });
  }
  const file = join(mkdtempSync(join(tmpdir(), 'sluice-invoke-')), 'lake-sink.json');
  writeFileSync(file, JSON.stringify(event));
  return file;
};

describe('a sample invoke between two runs of the pipeline', () => {
  it('never changes what real traffic writes: the second run puts every sample review in the lake exactly once', async () => {
    // Prepare: a first run, then the lake-sink sample event, whose records claim origin offsets on
    // reviews.raw/0 that the real topic reaches only during the second run (~670 sample reviews a partition).
    const expected = expectationsFor();
    await succeeded(start());
    await succeeded(invoke('lake-sink', await sampleAhead(300)));
    const state = readState();
    const lakeBefore = await lakeKeys(state, 'sluice-lake', 'reviews/');

    // Act
    const second = start();

    // Assess: the run's own check passes, and the lake objects it added hold every sample review once.
    await succeeded(second);
    const lake = lakeCopiesOf(
      await readLake(state, 'sluice-lake', 'reviews/', lakeBefore),
      expected.enrichedReviewIds,
    );
    expect(lake.found).toBe(expected.enriched);
    expect(lake.lines).toBe(expected.enriched);
  }, 600_000);
});
