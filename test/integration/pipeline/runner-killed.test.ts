import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { Review } from '../../../functions/cleanse-reviews.ts';
import { localKafka } from '../../../local/kafka-client.ts';
import {
  expectationsFor,
  productHoursFor,
  sampleFiles,
  sampleTime,
} from '../../../local/runner/expectations.ts';
import { productStats, tableHours } from '../../../local/runner/product-stats.ts';
import { publish } from '../../../local/runner/publish.ts';
import { indexCount, lakeCopiesOf, lakeKeys, readLake } from '../../../local/runner/verify.ts';
import { readSampleRecords } from '../../../local/samples/records.ts';
import { readState } from '../../../local/services/state.ts';
import { DeadLetterHeader } from '../../../shared/dead-letter.ts';
import { Stage } from '../../../shared/errors.ts';
import { header, jsonOf, readTopic, topicEndOffsets } from '../../support/topics.ts';

const start = (args: string[] = []) =>
  spawn(process.execPath, ['--import', 'tsx', 'local/cli.ts', 'start', ...args], { stdio: 'ignore' });
const exited = (child: ReturnType<typeof start>) =>
  new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
const total = (offsets: Map<number, number>) => [...offsets.values()].reduce((a, b) => a + b, 0);

describe('the local runner killed in the middle of a run', () => {
  it('loses nothing, keeps the lake and the index free of duplicates, every Kafka copy traceable and the hourly ratings exact once it resumes', async () => {
    // Prepare: npm start publishes the samples in waves (SampleRecord.wave), each after the one before drained;
    // the kill lands in the first, so the run holds what it published. The test then publishes each later wave
    // itself and drains it with --resume, as npm start would have (the next hour's reviews, then a late one).
    const reviews = readSampleRecords(sampleFiles.reviews);
    const firstWave = reviews.filter((r) => (r.wave ?? 0) === 0);
    const laterWaves = [...new Set(reviews.map((r) => r.wave ?? 0))]
      .filter((w) => w !== 0)
      .sort((a, b) => a - b)
      .map((w) => reviews.filter((r) => (r.wave ?? 0) === w));
    const expected = expectationsFor(reviews);
    const hours = productHoursFor(reviews);
    // A review published with a null key is spread over partitions by each producer, so a copy a replayed batch
    // makes can take another lineage path: neither the lake sink nor product-ratings can tell it is a copy (at
    // least once, see ARCHITECTURE.md). Its lake lines and its hour are checked as at least once.
    const nullKey = reviews.filter((r) => r.key === null && r.value !== null).map((r) => r.value as Review);
    const nullKeyIds = new Set(nullKey.map((r) => r.reviewId));
    const nullKeyHours = new Set(
      nullKey.map((r) => `${r.productId}@${Math.floor(sampleTime(r.createdAt) / 3_600_000) * 3_600_000}`),
    );
    const state = readState();
    const statsBefore = await topicEndOffsets(productStats.topic).catch(() => new Map<number, number>());
    const ratingsDlqBefore = await topicEndOffsets('ratings.dlq').catch(() => new Map<number, number>());
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
      if (raw - rawBefore >= firstWave.length && enriched > total(enrichedBefore)) {
        first.kill('SIGKILL');
        killed = true;
      }
    }
    await firstExit;
    const resumed = [await exited(start(['--resume']))];
    const kafka = localKafka('runner-killed-test');
    for (const wave of laterWaves) {
      await publish(kafka, 'reviews.raw', wave);
      resumed.push(await exited(start(['--resume'])));
    }

    // Assess
    expect(resumed).toEqual(resumed.map(() => 0));
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
    const keyedIds = new Set([...expected.enrichedReviewIds].filter((id) => !nullKeyIds.has(id)));
    expect(lakeCopiesOf(await readLake(state, 'sluice-lake', 'reviews/', lakeBefore), keyedIds).lines).toBe(
      keyedIds.size,
    );
    expect(lake.lines).toBeGreaterThanOrEqual(expected.enriched);
    expect(await indexCount(state, 'reviews', expected.enrichedReviewIds)).toBe(expected.enriched);
    // product-ratings: every hour in the table with the samples' count and rating sum, each closed hour emitted
    // with them (a re-emission after a crash between commit steps repeats the same record), and the late review
    // dead-lettered once: copies that upstream flows re-produced after the kill are left out by their origin.
    const figures = (h: { count: number; ratingSum: number }) => ({
      count: h.count,
      ratingSum: h.ratingSum,
      averageRating: h.ratingSum / h.count,
    });
    const table = new Map((await tableHours(state)).map((h) => [`${h.key}@${h.windowStart}`, h.result]));
    for (const id of nullKeyHours) {
      expect((table.get(id) as { count: number }).count).toBeGreaterThanOrEqual(hours.get(id)?.count ?? 0);
      table.delete(id);
    }
    expect(table).toEqual(
      new Map([...hours].filter(([id]) => !nullKeyHours.has(id)).map(([id, h]) => [id, figures(h)])),
    );
    const emitted = new Map<string, unknown[]>();
    for (const m of await readTopic(productStats.topic, statsBefore)) {
      const copies = emitted.get(String(m.key)) ?? [];
      copies.push(jsonOf(m));
      emitted.set(String(m.key), copies);
    }
    for (const copies of emitted.values()) for (const c of copies) expect(c).toEqual(copies[0]);
    for (const id of nullKeyHours) expect(emitted.delete(id)).toBe(hours.get(id)?.closed);
    expect(new Map([...emitted].map(([key, copies]) => [key, copies[0]]))).toEqual(
      new Map(
        [...hours]
          .filter(([id, h]) => h.closed && !nullKeyHours.has(id))
          .map(([id, h]) => [
            id,
            {
              key: h.productId,
              windowStart: h.windowStart,
              windowEnd: h.windowStart + 3_600_000,
              value: figures(h),
            },
          ]),
      ),
    );
    const late = (await readTopic('ratings.dlq', ratingsDlqBefore)).filter(
      (m) => header(m, DeadLetterHeader.Stage) === Stage.Late,
    );
    expect(late.map((m) => jsonOf(m).reviewId)).toEqual(
      reviews.filter((r) => r.expect?.startsWith('late')).map((r) => r.key),
    );
  }, 900_000);
});
