import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { expectationsFor, sampleFiles } from '../../../local/runner/expectations.ts';
import { indexCount, lakeCopiesOf, lakeKeys, readLake } from '../../../local/runner/verify.ts';
import { readSampleRecords } from '../../../local/samples/records.ts';
import { readState } from '../../../local/services/state.ts';
import { header, jsonOf, readTopic, topicEndOffsets } from '../../support/topics.ts';

const start = (args: string[] = []) =>
  spawn(process.execPath, ['--import', 'tsx', 'local/cli.ts', 'start', ...args], { stdio: 'ignore' });
const exited = (child: ReturnType<typeof start>) =>
  new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
const total = (offsets: Map<number, number>) => [...offsets.values()].reduce((a, b) => a + b, 0);

describe('the local runner killed in the middle of a run', () => {
  it('loses nothing, keeps the lake and the index free of duplicates and every Kafka copy traceable once it resumes', async () => {
    // Prepare: npm start publishes the samples in waves (SampleRecord.wave), each after the one before drained;
    // the kill lands in the first, so the run holds what it published (the later waves are never sent).
    const firstWave = readSampleRecords(sampleFiles.reviews).filter((r) => (r.wave ?? 0) === 0);
    const expected = expectationsFor(firstWave);
    const state = readState();
    const enrichedBefore = await topicEndOffsets('reviews.enriched').catch(() => new Map<number, number>());
    const cleanBefore = await topicEndOffsets('reviews.clean').catch(() => new Map<number, number>());
    const rawBefore = total(await topicEndOffsets('reviews.raw').catch(() => new Map<number, number>()));
    const lakeBefore = await lakeKeys(state, 'sluice-lake', 'reviews/').catch(() => new Set<string>());

    // Act: SIGKILL once the first wave is published and enrichment has begun, but before the run is over.
    const first = start();
    const firstExit = exited(first);
    let killed = false;
    while (!killed) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const raw = total(await topicEndOffsets('reviews.raw').catch(() => new Map<number, number>()));
      const enriched = total(
        await topicEndOffsets('reviews.enriched').catch(() => new Map<number, number>()),
      );
      if (raw - rawBefore >= expected.reviewsPublished && enriched > total(enrichedBefore)) {
        first.kill('SIGKILL');
        killed = true;
      }
    }
    await firstExit;
    const resumed = await exited(start(['--resume']));

    // Assess
    expect(resumed).toBe(0);
    const enriched = await readTopic('reviews.enriched', enrichedBefore);
    const ids = new Set(
      enriched.map((m) => jsonOf(m).reviewId as string).filter((id) => expected.enrichedReviewIds.has(id)),
    );
    expect(ids.size).toBe(expected.enriched);
    // At least once on Kafka: every record, duplicates included, traces back through its lineage headers to
    // the tier-2 record of the same review.
    const clean = new Map(
      (await readTopic('reviews.clean', cleanBefore)).map((m) => [
        `${m.partition}:${m.offset}`,
        jsonOf(m).reviewId,
      ]),
    );
    for (const message of enriched) {
      const source = `${header(message, 'sluice.source.partition')}:${header(message, 'sluice.source.offset')}`;
      expect(clean.get(source)).toBe(jsonOf(message).reviewId);
    }
    const lake = lakeCopiesOf(
      await readLake(state, 'sluice-lake', 'reviews/', lakeBefore),
      expected.enrichedReviewIds,
    );
    // Every review reached the lake exactly once: copies a replayed cleanse or enrich batch produced at new
    // offsets carry the original's lineage, and the lake sink leaves them out.
    expect(lake.found).toBe(expected.enriched);
    expect(lake.lines).toBe(expected.enriched);
    expect(await indexCount(state, 'reviews', expected.enrichedReviewIds)).toBe(expected.enriched);
  }, 420_000);
});
