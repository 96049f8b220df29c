import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topology } from '../../../functions/topology.ts';
import { partitionLag } from '../../../local/runner/drain.ts';
import { expectationsFor } from '../../../local/runner/expectations.ts';
import { productStats, tableHours } from '../../../local/runner/product-stats.ts';
import { indexCount, readLake } from '../../../local/runner/verify.ts';
import { readState } from '../../../local/services/state.ts';
import { runCli } from '../../support/cli.ts';
import { endpoints, localAws } from '../../support/endpoints.ts';
import { jsonOf, readTopic, topicEndOffsets } from '../../support/topics.ts';

// Each run drains every flow of the reference topology; a loaded CI machine once took over 240 s.
const env = { SLUICE_DRAIN_TIMEOUT_SECONDS: '420' };
const flows = topology.flows.map((f) => f.name);
const sources = [...new Set(topology.flows.map((f) => f.source.topic.name))];
const sampleIds = ['r-00000', 'r-00001', 'r-00100', 'r-01000'];
const expected = expectationsFor();
/** The sample reviews product-ratings dead-letters as late (never counted, so a replayed copy is late again). */
const lateIds = readFileSync('events/records/reviews.raw.jsonl', 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as { key: string; expect?: string })
  .flatMap((r) => (r.expect?.startsWith('late') ? [r.key] : []));
/**
 * Sample reviews sent with a null key. A topic writer leaves a null key null, so the producer spreads such records
 * over partitions, and a replayed copy may take another partition than the original: its lineage path differs,
 * the sink's replay guard cannot tell it is a copy, and the lake gets it again (at least once).
 */
const nullKeyIds = new Set(
  readFileSync('events/records/reviews.raw.jsonl', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { key: unknown; value?: { reviewId?: string } })
    .flatMap((r) => (r.key === null && r.value?.reviewId ? [r.value.reviewId] : [])),
);
const kafka = new Kafka({ brokers: endpoints().kafka.brokers, logLevel: logLevel.NOTHING });
const admin = kafka.admin();

/** What a replay must not change: every lake object and its lines per review, the index, the customers table. */
const snapshot = async () => {
  const state = readState();
  const lake = await readLake(state, 'sluice-lake', 'reviews/');
  const docs = await Promise.all(
    sampleIds.map(async (id) => {
      const response = await fetch(`${state.opensearch?.endpoint}/reviews/_doc/${id}`);
      return ((await response.json()) as { _source?: unknown })._source;
    }),
  );
  const dynamodb = new DynamoDBClient(localAws(endpoints().dynamodb.endpoint));
  const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName: 'customers' }));
  dynamodb.destroy();
  const customers = Items.map((item) => unmarshall(item)).sort((a, b) =>
    String(a.customerId).localeCompare(String(b.customerId)),
  );
  const keyed = [...lake.copies].filter(([id]) => !nullKeyIds.has(id));
  const hours = (await tableHours(state)).sort(
    (a, b) => a.key.localeCompare(b.key) || a.windowStart - b.windowStart,
  );
  return {
    hours,
    lakeKeys: new Set(lake.keys),
    linesPerKeyedReview: Object.fromEntries(keyed.sort(([a], [b]) => a.localeCompare(b))),
    linesPerNullKeyReview: [...nullKeyIds].map((id) => lake.copies.get(id) ?? 0),
    indexCount: await indexCount(state, 'reviews'),
    docs,
    customers,
  };
};

/** Exact where a replay can be exact: lake lines of every keyed review, every object kept; index; table. */
const expectUnchanged = (after: Snapshot, was: Snapshot) => {
  expect(after.linesPerKeyedReview).toEqual(was.linesPerKeyedReview);
  expect([...was.lakeKeys].filter((k) => !after.lakeKeys.has(k))).toEqual([]);
  expect(after.indexCount).toBe(was.indexCount);
  expect(after.docs).toEqual(was.docs);
  expect(after.customers).toEqual(was.customers);
  // product-ratings: the copies upstream flows re-produced into reviews.by-product at new offsets carry their
  // origin (lineage), so every hour keeps its count and rating sum.
  expect(after.hours).toEqual(was.hours);
  // At least once, see nullKeyIds.
  after.linesPerNullKeyReview.forEach((n, i) => {
    expect(n).toBeGreaterThanOrEqual(was.linesPerNullKeyReview[i] as number);
  });
};

/**
 * What product-ratings added while replayed copies reached it: no hour emitted again, and no review dead-lettered as
 * late but the sample's late ones (never counted, so each copy of one is late again); a copy of a counted review
 * is left out by its origin, not dead-lettered.
 */
const expectNoLateCopies = async (statsSince: Map<number, number>, dlqSince: Map<number, number>) => {
  expect(await recordsAdded(productStats.topic, statsSince)).toBe(0);
  // A null-key review's copy may take another path (see nullKeyIds): not known as a copy, it is late in its
  // closed hour (at least once, as in the lake), never counted twice.
  const dead = (await readTopic('ratings.dlq', dlqSince))
    .map((m) => jsonOf(m).reviewId as string)
    .filter((id) => !nullKeyIds.has(id));
  // Each upstream flow replayed (cleanse, enrich, reviews-by-product) re-produces the late review once, and each
  // copy is late again: one dead letter per copy, so the set, not the count, is what holds.
  expect(new Set(dead)).toEqual(new Set(lateIds));
};

/** Every flow's group has committed its source topic to the end, twice in a row (upstream flows feed downstream). */
const waitUntilDrained = async (timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  for (let quiet = 0; quiet < 2; ) {
    let behind = 0;
    for (const flow of topology.flows) {
      const ends = await admin.fetchTopicOffsets(flow.source.topic.name);
      const [committed] = await admin.fetchOffsets({
        groupId: flow.source.consumerGroup,
        topics: [flow.source.topic.name],
      });
      const at = new Map(committed?.partitions.map((p) => [p.partition, Number(p.offset)]));
      for (const e of ends) behind += partitionLag(e, at.get(e.partition));
    }
    quiet = behind === 0 ? quiet + 1 : 0;
    if (Date.now() > deadline) throw new Error(`not drained: ${behind} records behind`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
};

const recordsAdded = async (topic: string, since: Map<number, number>) =>
  [...(await topicEndOffsets(topic))].reduce((n, [p, end]) => n + end - (since.get(p) ?? 0), 0);

type Snapshot = Awaited<ReturnType<typeof snapshot>>;
let before: Snapshot;

describe('npm run replay on the reference pipeline', () => {
  beforeAll(async () => {
    await admin.connect();
    // Prepare: the topics outlive runs. Their older records are deleted first (as retention would), so that
    // "earliest" is this run's start: a sink remembers the last 2,048 records it wrote per partition, and a full
    // replay of several runs' records would pass that window (see the README).
    const existing = new Set(await admin.listTopics());
    for (const topic of sources.filter((t) => existing.has(t))) {
      // Through the same admin: it must know the partitions' leaders.
      const ends = await admin.fetchTopicOffsets(topic);
      await admin.deleteTopicRecords({
        topic,
        partitions: ends.map(({ partition, high }) => ({ partition, offset: high })),
      });
    }
    const run = await runCli('local/cli.ts', ['start'], env);
    expect(run.code, run.output.slice(-3000)).toBe(0);
    before = await snapshot();
    expect(Object.keys(before.linesPerKeyedReview).length).toBeGreaterThanOrEqual(
      expected.enriched - nullKeyIds.size,
    );
    expect(before.indexCount).toBeGreaterThanOrEqual(expected.enriched);
  }, 600_000);
  afterAll(async () => {
    await admin.disconnect();
  });

  it('with no pipeline running, moves every flow to earliest; a resumed run then leaves lake, index and table as they were', async () => {
    // Prepare
    const cleanBefore = await topicEndOffsets('reviews.clean');
    const statsBefore = await topicEndOffsets(productStats.topic);
    const dlqBefore = await topicEndOffsets('ratings.dlq');
    // Act
    const replay = await runCli('local/tools/replay.ts', [...flows, '--from', 'earliest']);
    const resume = await runCli('local/cli.ts', ['start', '--resume'], env);
    // Assess
    expect(replay.code, replay.output).toBe(0);
    expect(replay.output).toContain('on the local broker (no pipeline running)');
    expect(replay.output).toMatch(/lake-sink: group sluice-lake-sink on reviews\.enriched/);
    expect(replay.output).toMatch(/records to read, \d+ of them processed before/);
    expect(resume.code, resume.output.slice(-3000)).toBe(0);
    expectUnchanged(await snapshot(), before);
    await expectNoLateCopies(statsBefore, dlqBefore);
    // Topic outputs are at least once: the valid reviews were cleansed and produced again.
    expect(await recordsAdded('reviews.clean', cleanBefore)).toBe(expected.clean);
  }, 700_000);

  it('through a running pipeline (npm start -- --follow), stops, moves and resumes each flow; lake, index and table stay as they were', async () => {
    // Prepare
    const cleanBefore = await topicEndOffsets('reviews.clean');
    const statsBefore = await topicEndOffsets(productStats.topic);
    const dlqBefore = await topicEndOffsets('ratings.dlq');
    const pipeline: ChildProcess = spawn(
      process.execPath,
      ['--import', 'tsx', 'local/cli.ts', 'start', '--resume', '--follow'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
    );
    let output = '';
    pipeline.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    pipeline.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    const exited = once(pipeline, 'exit');
    try {
      for (const deadline = Date.now() + 300_000; !output.includes('--follow: flows keep running'); ) {
        if (Date.now() > deadline || pipeline.exitCode !== null) throw new Error(output.slice(-3000));
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      // Act
      const replay = await runCli('local/tools/replay.ts', [...flows, '--from', 'earliest']);
      await waitUntilDrained(420_000);
      // Assess
      expect(replay.code, replay.output).toBe(0);
      expect(replay.output).toContain('through the running pipeline');
      expect(replay.output).toMatch(/cleanse-reviews: group sluice-cleanse-reviews on reviews\.raw/);
      expectUnchanged(await snapshot(), before);
      await expectNoLateCopies(statsBefore, dlqBefore);
      expect(await recordsAdded('reviews.clean', cleanBefore)).toBe(expected.clean);
    } finally {
      pipeline.kill('SIGINT');
      await exited;
    }
    expect(pipeline.exitCode, output.slice(-3000)).toBe(0);
  }, 900_000);
});
