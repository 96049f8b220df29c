import { describe, expect, it } from 'vitest';
import { envelopeLine } from '../../../shared/outputs/lake-objects.ts';
import { createLakeWriter } from '../../../shared/outputs/lake-writer.ts';
import {
  dropReplays,
  type ReplayMarkStore,
  type ReplayMarks,
  type ReplayWindow,
} from '../../../shared/outputs/replay-guard.ts';
import { decodeReplayMarks, encodeReplayMarks } from '../../../shared/outputs/replay-marks-codec.ts';
import { toS3 } from '../../../shared/outputs/s3.ts';
import { flowRecord } from './records.ts';

const PATH = 'reviews.raw/2>reviews.clean/0>reviews.enriched/0';

/**
 * A record of reviews.enriched/0 that came from reviews.raw/<rawPartition> at <origin>, via reviews.clean/0;
 * its value is what the pipeline made of that origin record (`review`), the same in every copy a replay makes.
 */
const enriched = (offset: number, origin: number, options: { rawPartition?: number; review?: string } = {}) =>
  flowRecord({
    topic: 'reviews.enriched',
    partition: 0,
    offset,
    key: `r-${origin}`,
    value: { reviewId: options.review ?? `r-${origin}`, origin },
    headers: {
      'sluice.path': `reviews.raw/${options.rawPartition ?? 2}>reviews.clean/0`,
      'sluice.origin.offset': String(origin),
    },
  });

const trusted = { trusted: true } as const;

/** Runs batches through the guard one after the other, carrying the marks, as the lake writer does. */
const guardRun = (window?: ReplayWindow) => {
  let marks: ReplayMarks = [];
  return (records: ReturnType<typeof enriched>[]) => {
    const result = dropReplays(records, marks, { ...trusted, ...(window ? { window } : {}) });
    marks = decodeReplayMarks(encodeReplayMarks(result.marks));
    return result;
  };
};

const memoryMarks = () => {
  const saved = new Map<string, ReplayMarks>();
  const store: ReplayMarkStore = {
    read: async (partition) => saved.get(partition) ?? [],
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
  line: typeof envelopeLine = envelopeLine,
) =>
  createLakeWriter({
    name: 's3:lake',
    bucket: 'lake',
    prefix: 'reviews',
    maxObjectBytes: 1 << 20,
    line,
    tombstones: 'keep',
    concurrency: 1,
    client: () => ({ send }) as never,
    replayMarks: () => store,
  });

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('dropping replayed copies by lineage', () => {
  it('drops copies of records already written, inside one batch too', () => {
    // Prepare: origins 10..12 written, then cleanse replayed 11..12 at new offsets, then a new record 13.
    const records = [
      enriched(0, 10),
      enriched(1, 11),
      enriched(2, 12),
      enriched(3, 11),
      enriched(4, 12),
      enriched(5, 13),
    ];
    // Act
    const { kept, replayed, unsure, marks } = dropReplays(records, [], trusted);
    // Assess
    expect(kept.map((r) => r.source.offset)).toEqual([0, 1, 2, 5]);
    expect(replayed).toBe(2);
    expect(unsure).toBe(0);
    expect(marks.map((m) => [m.path, m.origin])).toEqual([
      [PATH, 10],
      [PATH, 11],
      [PATH, 12],
      [PATH, 13],
    ]);
  });

  it('keeps paths apart: the same origin offset from another raw partition is a different record', () => {
    const { kept } = dropReplays(
      [enriched(0, 10, { rawPartition: 1 }), enriched(1, 10, { rawPartition: 2 })],
      [],
      trusted,
    );
    expect(kept).toHaveLength(2);
  });

  it('keeps every real record after test events that ran ahead of the real offsets (--remote), and still drops a true replay', () => {
    // Prepare: a sample invoke wrote three records claiming origins 1200..1202 on the real path, far ahead.
    const batch = guardRun();
    batch([enriched(9000, 1200, { review: 'r-inv-1' }), enriched(9001, 1201, { review: 'r-inv-2' })]);
    batch([enriched(9002, 1202, { review: 'r-inv-3' })]);
    // Act: the real traffic, origins 0..1299 (1200..1202 included), in batches of 500.
    const real = range(0, 1300).map((origin) => enriched(origin, origin));
    const results = [real.slice(0, 500), real.slice(500, 1000), real.slice(1000)].map(batch);
    // ...then the upstream replays its last batch (origins 1100..1299) at new offsets.
    const replay = batch(range(1100, 1300).map((origin, i) => enriched(1300 + i, origin)));
    // Assess
    expect(results.flatMap((r) => r.kept).map((r) => r.source.offset)).toEqual(range(0, 1300));
    expect(results.reduce((n, r) => n + r.replayed, 0)).toBe(0);
    expect(results.reduce((n, r) => n + r.unsure, 0)).toBe(1203); // behind the test events' 1202: counted
    expect(replay).toMatchObject({ kept: [], replayed: 200 });
  });

  it('writes a copy again once it is older than the window, counting it as unsure', () => {
    // Prepare
    const batch = guardRun({ records: 4, bytes: 1 << 20 });
    batch(range(0, 6).map((origin) => enriched(origin, origin)));
    // Act: copies of origin 1 (forgotten) and origin 5 (remembered)
    const { kept, replayed, unsure } = batch([enriched(6, 1), enriched(7, 5)]);
    // Assess
    expect(kept.map((r) => r.source.offset)).toEqual([6]);
    expect(replayed).toBe(1);
    expect(unsure).toBe(1);
  });

  it('ignores lineage from an ingress topic: every path starts at the sink’s own source partition', () => {
    // Prepare: an outside producer's headers claim origins its records do not have.
    const forged = [enriched(7, 3), enriched(8, 3)];
    // Act
    const { kept, marks } = dropReplays(forged, [], { trusted: false });
    // Assess: two records, not one record and its copy.
    expect(kept).toHaveLength(2);
    expect(marks.map((m) => [m.path, m.origin])).toEqual([
      ['reviews.enriched/0', 7],
      ['reviews.enriched/0', 8],
    ]);
  });

  it('keeps the marks small whatever the paths: 5,000 records with the longest accepted paths, all different', () => {
    // Prepare: 16 hops of ~60-character topic names, a different path per record.
    const longPath = (n: number) =>
      [...Array.from({ length: 15 }, (_, hop) => `${'t'.repeat(58)}/${hop}`), `x${n}/0`].join('>');
    const forged = range(0, 5000).map((n) =>
      flowRecord({
        topic: 'reviews.enriched',
        offset: n,
        headers: { 'sluice.path': longPath(n), 'sluice.origin.offset': String(n) },
      }),
    );
    // Act
    let marks: ReplayMarks = [];
    for (let i = 0; i < forged.length; i += 500) {
      marks = dropReplays(forged.slice(i, i + 500), marks, trusted).marks;
    }
    // Assess
    expect(encodeReplayMarks(marks).length).toBeLessThanOrEqual(20 * 1024);
    expect(marks.length).toBeGreaterThan(0);
    expect(marks.at(-1)).toMatchObject({ path: `${longPath(4999)}>reviews.enriched/0`, origin: 4999 });
  });

  it('writes a replayed batch once: the lake writer skips copies and saves marks only after the objects', async () => {
    // Prepare
    const puts: string[] = [];
    const { saved, store } = memoryMarks();
    const writer = lakeWriter(async (command) => {
      puts.push(command.input.Key ?? '');
      return {};
    }, store);
    const context = { flowName: 'lake-sink', trustsLineage: true };
    // Act
    const first = await writer.write([enriched(0, 10), enriched(1, 11)], context);
    const replay = await writer.write([enriched(2, 10), enriched(3, 11), enriched(4, 12)], context);
    // Assess
    expect(first).toMatchObject({ written: 2, replayed: 0 });
    expect(replay).toMatchObject({ written: 1, replayed: 2 });
    expect(puts).toHaveLength(2);
    expect(puts[1]).toMatch(/reviews\.enriched-0-0*4\./);
    expect(saved.get('reviews.enriched-0')?.map((m) => m.origin)).toEqual([10, 11, 12]);
  });

  it('does not remember a record it dead-lettered, so the same record redriven later is written', async () => {
    // Prepare: the line function fails on origin 11 (say, a bug fixed since), which is dead-lettered.
    const { store } = memoryMarks();
    let broken = true;
    const writer = lakeWriter(
      async () => ({}),
      store,
      (record) => {
        if (broken && (record.value as { origin: number }).origin === 11) throw new Error('bug');
        return envelopeLine(record);
      },
    );
    const context = { flowName: 'lake-sink', trustsLineage: true };
    const first = await writer.write([enriched(0, 10), enriched(1, 11)], context);
    broken = false;
    // Act: the dead letter redriven to reviews.enriched, its lineage and bytes kept
    const redriven = await writer.write([enriched(2, 11)], context);
    // Assess
    expect(first).toMatchObject({ written: 1, deadLetters: [{ record: { source: { offset: 1 } } }] });
    expect(redriven).toMatchObject({ written: 1, replayed: 0 });
  });

  it('leaves the marks as they were when an object cannot be written, so the retry writes the same objects', async () => {
    // Prepare
    const { saved, store } = memoryMarks();
    const writer = lakeWriter(async () => {
      throw Object.assign(new Error('slow down'), { name: 'SlowDown' });
    }, store);
    // Act
    const write = writer.write([enriched(0, 10)], { flowName: 'lake-sink', trustsLineage: true });
    // Assess
    await expect(write).rejects.toMatchObject({ retriable: true });
    expect(saved.size).toBe(0);
  });
});

describe('the lake output’s replay window option', () => {
  it('defaults to 2,048 records and rejects a window too small to catch a replayed batch, naming it', () => {
    expect(() => toS3({ bucket: 'lake', replayWindow: 10 })).toThrow('toS3.replayWindow: must be ≥ 64');
    expect(() => toS3({ bucket: 'lake' })).not.toThrow();
  });
});

describe('the replay marks encoding', () => {
  it('reads back what it wrote: paths, origins in any order, digests', () => {
    // Prepare
    const marks: ReplayMarks = [
      { path: 'a/0>b/1', origin: 2 ** 40, digest: 0xffffffff },
      { path: 'a/1>b/1', origin: 0, digest: 0 },
      { path: 'a/0>b/1', origin: 5, digest: 123 },
      { path: 'a/0>b/1', origin: 2 ** 50, digest: 7 },
    ];
    // Act
    const bytes = encodeReplayMarks(marks);
    // Assess
    expect(decodeReplayMarks(bytes)).toEqual(marks);
  });

  it('takes marks it cannot read (the JSON of an earlier version, a truncated object) as none', () => {
    const bytes = encodeReplayMarks([{ path: 'a/0', origin: 1, digest: 1 }]);
    expect(decodeReplayMarks(Buffer.from('{"reviews.raw/0>reviews.clean/0>reviews.enriched/0":79}'))).toEqual(
      [],
    );
    expect(decodeReplayMarks(bytes.subarray(0, bytes.length - 2))).toEqual([]);
  });

  it('stays near six bytes a record on real paths', () => {
    // Prepare: 2,048 records over nine paths, origins advancing by about nine along each.
    const marks = range(0, 2048).map((n) => ({
      path: `reviews.raw/${n % 3}>reviews.clean/${Math.floor(n / 3) % 3}>reviews.enriched/0`,
      origin: 100_000 + n,
      digest: (n * 2654435761) >>> 0,
    }));
    // Act
    const bytes = encodeReplayMarks(marks);
    // Assess
    expect(bytes.length).toBeLessThan(2048 * 6 + 600);
  });
});
