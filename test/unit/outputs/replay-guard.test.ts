import { describe, expect, it } from 'vitest';
import { envelopeLine } from '../../../shared/outputs/lake-objects.ts';
import { createLakeWriter } from '../../../shared/outputs/lake-writer.ts';
import { dropReplays, type ReplayMarkStore, type ReplayMarks } from '../../../shared/outputs/replay-guard.ts';
import { flowRecord } from './records.ts';

/** A record of reviews.enriched/0 that came from reviews.raw/<rawPartition> at <origin>, via reviews.clean/0. */
const enriched = (offset: number, origin: number, rawPartition = 2) =>
  flowRecord({
    topic: 'reviews.enriched',
    partition: 0,
    offset,
    headers: {
      'sluice.path': `reviews.raw/${rawPartition}>reviews.clean/0`,
      'sluice.origin.offset': String(origin),
    },
  });

const memoryMarks = () => {
  const saved = new Map<string, ReplayMarks>();
  const store: ReplayMarkStore = {
    read: async (partition) => saved.get(partition) ?? {},
    write: async (partition, marks) => {
      saved.set(partition, marks);
    },
  };
  return { saved, store };
};

/** A lake writer on a stand-in S3 client, keeping its marks in `store`. */
const lakeWriter = (
  send: (command: { input: { Key?: string } }) => Promise<unknown>,
  store: ReplayMarkStore,
) =>
  createLakeWriter({
    name: 's3:lake',
    bucket: 'lake',
    prefix: 'reviews',
    maxObjectBytes: 1 << 20,
    line: envelopeLine,
    tombstones: 'keep',
    concurrency: 1,
    client: () => ({ send }) as never,
    replayMarks: () => store,
  });

describe('dropping replayed copies by lineage', () => {
  it('drops copies whose path has already reached their origin offset, inside one batch too', () => {
    // Prepare: origins 10..12 written, then cleanse replayed 11..12 at new offsets, then new records 13..14.
    const records = [
      enriched(0, 10),
      enriched(1, 11),
      enriched(2, 12),
      enriched(3, 11),
      enriched(4, 12),
      enriched(5, 13),
    ];
    // Act
    const { kept, replayed, marks } = dropReplays(records, {});
    // Assess
    expect(kept.map((r) => r.source.offset)).toEqual([0, 1, 2, 5]);
    expect(replayed).toBe(2);
    expect(marks).toEqual({ 'reviews.raw/2>reviews.clean/0>reviews.enriched/0': 13 });
  });

  it('keeps paths apart: the same origin offset from another raw partition is a different record', () => {
    const { kept } = dropReplays([enriched(0, 10, 1), enriched(1, 10, 2)], {});
    expect(kept).toHaveLength(2);
  });

  it('treats a record without lineage as starting its path at the sink’s own source partition', () => {
    // Prepare
    const plain = (offset: number) => flowRecord({ topic: 'events', partition: 4, offset });
    // Act
    const { kept, marks } = dropReplays([plain(7), plain(8)], { 'events/4': 7 });
    // Assess: offset 7 was written before (a replay of the sink's own batch), 8 is new.
    expect(kept.map((r) => r.source.offset)).toEqual([8]);
    expect(marks).toEqual({ 'events/4': 8 });
  });

  it('writes a replayed batch once: the lake writer skips copies and saves marks only after the objects', async () => {
    // Prepare
    const puts: string[] = [];
    const { saved, store } = memoryMarks();
    const writer = lakeWriter(async (command) => {
      puts.push(command.input.Key ?? '');
      return {};
    }, store);
    // Act
    const first = await writer.write([enriched(0, 10), enriched(1, 11)], { flowName: 'lake-sink' });
    const replay = await writer.write([enriched(2, 10), enriched(3, 11), enriched(4, 12)], {
      flowName: 'lake-sink',
    });
    // Assess
    expect(first).toMatchObject({ written: 2, replayed: 0 });
    expect(replay).toMatchObject({ written: 1, replayed: 2 });
    expect(puts).toHaveLength(2);
    expect(puts[1]).toMatch(/reviews\.enriched-0-0*4\./);
    expect(saved.get('reviews.enriched-0')).toEqual({
      'reviews.raw/2>reviews.clean/0>reviews.enriched/0': 12,
    });
  });

  it('leaves the marks as they were when an object cannot be written, so the retry writes the same objects', async () => {
    // Prepare
    const { saved, store } = memoryMarks();
    const writer = lakeWriter(async () => {
      throw Object.assign(new Error('slow down'), { name: 'SlowDown' });
    }, store);
    // Act
    const write = writer.write([enriched(0, 10)], { flowName: 'lake-sink' });
    // Assess
    await expect(write).rejects.toMatchObject({ retriable: true });
    expect(saved.size).toBe(0);
  });
});
