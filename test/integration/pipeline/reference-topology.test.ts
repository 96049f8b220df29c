import { beforeAll, describe, expect, it } from 'vitest';
import { topology } from '../../../functions/topology.ts';
import {
  expectationsFor,
  orderExpectationsFor,
  productHoursFor,
} from '../../../local/runner/expectations.ts';
import { runCli } from '../../support/cli.ts';
import { header, jsonOf, type ReadMessage, readTopic, topicEndOffsets } from '../../support/topics.ts';

const runStart = (args: string[] = []) =>
  runCli('local/cli.ts', ['start', ...args], { SLUICE_DRAIN_TIMEOUT_SECONDS: '240' });

const topics = [
  'reviews.clean',
  'reviews.enriched',
  'reviews.alerts',
  'reviews.dlq',
  'orders.dlq',
  'reviews.product-stats',
  'ratings.dlq',
] as const;
const expected = expectationsFor();
const expectedOrders = orderExpectationsFor();
const hours = productHoursFor();
let run: { code: number | null; output: string };
const produced: Record<(typeof topics)[number], ReadMessage[]> = {
  'reviews.clean': [],
  'reviews.enriched': [],
  'reviews.alerts': [],
  'reviews.dlq': [],
  'orders.dlq': [],
  'reviews.product-stats': [],
  'ratings.dlq': [],
};

describe('npm start on the reference topology', () => {
  beforeAll(async () => {
    // Topics outlive runs: remember where they end, and judge only what this run adds.
    const before = new Map<string, Map<number, number>>();
    for (const topic of topics) before.set(topic, await topicEndOffsets(topic).catch(() => new Map()));
    run = await runStart();
    for (const topic of topics) produced[topic] = await readTopic(topic, before.get(topic));
  }, 300_000);

  it('exits 0 after checking every output against the samples, and says so', () => {
    expect(run.output).toContain('ok: the local pipeline produced exactly what the sample events call for');
    expect(run.output).not.toContain('FAIL');
    expect(run.code, run.output.slice(-4000)).toBe(0);
  });

  it("prints each mapping's figures under AWS's mapping metrics: every record of the run polled and committed, none failed, dropped or sent to an on-failure destination, no lag", () => {
    const lines = run.output.split('\n');
    const header = lines.findIndex((l) => l.startsWith('flow ') && l.includes('filtered out'));
    expect(lines[header]?.split(/\s{2,}/)).toEqual([
      'flow',
      'polled',
      'filtered out',
      'invoked',
      'failed',
      'dropped',
      'on-failure',
      'committed',
      'lag',
      'invocations',
      'retries',
    ]);
    const rows = new Map(
      lines
        .slice(header + 1, header + 1 + topology.flows.length)
        .map((l) => l.trim().split(/\s+/))
        .map(([flow, ...figures]) => [flow, figures.map(Number)] as const),
    );
    const recordsOf: Record<string, number> = {
      'cleanse-reviews': expected.reviewsPublished,
      'customers-table': expected.customersPublished,
      'enrich-reviews': expected.clean,
      'lake-sink': expected.enriched,
      'search-sink': expected.enriched,
      'orders-lake': expectedOrders.byId.size + expectedOrders.deadLetters,
      'reviews-mart': expected.enriched,
    };
    for (const [flow, records] of Object.entries(recordsOf)) {
      const [polled, filteredOut, invoked, failed, dropped, onFailure, committed, lag] = rows.get(flow) ?? [];
      expect({ flow, committed, failed, dropped, onFailure, lag }).toEqual({
        flow,
        committed: records,
        failed: 0,
        dropped: 0,
        onFailure: 0,
        lag: 0,
      });
      expect(polled, flow).toBeGreaterThanOrEqual(records);
      expect((invoked ?? 0) + (filteredOut ?? 0), flow).toBeGreaterThanOrEqual(records);
    }
    expect(run.output).toContain('mapping errors: none');
  });

  it('writes one cleansed record per valid review, standardised for tier 2', () => {
    const clean = produced['reviews.clean'].map(jsonOf);
    expect(clean).toHaveLength(expected.clean);
    const first = clean.find((r) => r.reviewId === 'r-00000');
    expect(first).toMatchObject({
      country: 'US',
      email: 'customer8@example.com',
      createdAt: '2026-11-20T09:00:00.000Z',
    });
    expect(first?.phone).toMatch(/^\*+\d{4}$/);
  });

  it('joins each review with its customer and product, keeping unknown customers (left join)', () => {
    const enriched = new Map(produced['reviews.enriched'].map((m) => [jsonOf(m).reviewId as string, m]));
    expect(enriched.size).toBe(expected.enriched);
    const first = jsonOf(enriched.get('r-00000')!);
    expect(first.customer).toMatchObject({ customerId: 'c-0008' });
    expect(first.product).toMatchObject({ productId: 'p-016' });
    const unknown = [...enriched.values()].map(jsonOf).find((r) => r.customerId === 'c-9999');
    expect(unknown?.product).toBeDefined();
    expect(unknown?.customer ?? null).toBeNull();
  });

  it('carries lineage headers on every produced record', () => {
    const message = produced['reviews.enriched'][0]!;
    expect(header(message, 'sluice.source.topic')).toBe('reviews.clean');
    expect(header(message, 'sluice.flow')).toBe('enrich-reviews');
    expect(Number(header(message, 'sluice.source.offset'))).toBeGreaterThanOrEqual(0);
  });

  it('alerts exactly the low ratings of gold customers', () => {
    const alerted = new Set(produced['reviews.alerts'].map((m) => jsonOf(m).reviewId as string));
    expect(alerted).toEqual(expected.alertReviewIds);
  });

  it('dead-letters every bad review with its original bytes and the stage and reason', () => {
    const dlq = produced['reviews.dlq'];
    expect(dlq).toHaveLength(expected.reviewDeadLetters);
    const byKey = new Map(dlq.map((m) => [String(m.key), m]));
    expect(String(byKey.get('bad-json')?.value)).toBe('{"reviewId": "r-bad", "rating": ');
    expect(header(byKey.get('bad-json')!, 'sluice.dlq.stage')).toBe('decode');
    expect(header(byKey.get('bad-shape')!, 'sluice.dlq.stage')).toBe('validate');
    expect(header(byKey.get('bad-shape')!, 'sluice.dlq.error-message')).toContain('rating');
    expect(header(byKey.get('bad-country')!, 'sluice.dlq.stage')).toBe('step');
    expect(header(byKey.get('bad-product')!, 'sluice.dlq.stage')).toBe('enrich');
    expect(header(byKey.get('bad-long-email')!, 'sluice.dlq.stage')).toBe('step');
    expect(header(byKey.get('bad-big-integer')!, 'sluice.dlq.stage')).toBe('decode');
    expect(header(byKey.get('bad-big-integer')!, 'sluice.dlq.error-message')).toContain(
      '12345678901234567890',
    );
    expect(header(byKey.get('bad-json-null')!, 'sluice.dlq.stage')).toBe('validate');
    expect(String(byKey.get('bad-json-null')?.value)).toBe('null');
    expect(byKey.get('bad-tombstone')?.value).toBeNull();
    for (const message of dlq)
      expect(header(message, 'sluice.dlq.source-topic')).toMatch(/^reviews\.(raw|clean)$/);
  });

  it('writes the Avro orders (Glue registry on moto) to the lake as Parquet equal to the samples, and dead-letters the bad ones with AWS reasons', () => {
    expect(run.output).toMatch(
      /schema orders in Glue registry sluice \(moto\): (registered|already registered)/,
    );
    expect(run.output).toMatch(
      new RegExp(`ok +S3 lake: sample orders read back equal \\(Parquet\\) +${expectedOrders.byId.size}\n`),
    );
    const reasons = new Map(
      produced['orders.dlq'].map((m) => [String(m.key), header(m, 'sluice.dlq.reason')] as const),
    );
    expect(Object.fromEntries(reasons)).toEqual({
      'bad-not-framed': 'DESERIALIZATION_ERROR',
      'bad-unknown-schema': 'SCHEMA_NOT_FOUND',
    });
  });

  it("emits each product's 09:00 hour once, when the next hour's reviews close it, with its count and average rating", () => {
    const stats = produced['reviews.product-stats'];
    const closed = [...hours.values()].filter((h) => h.closed);
    expect(closed).toHaveLength(50);
    expect(stats).toHaveLength(closed.length);
    const byKey = new Map(stats.map((m) => [String(m.key), jsonOf(m)]));
    for (const hour of closed)
      expect(byKey.get(`${hour.productId}@${hour.windowStart}`)).toEqual({
        key: hour.productId,
        windowStart: hour.windowStart,
        windowEnd: hour.windowStart + 3_600_000,
        value: { count: hour.count, ratingSum: hour.ratingSum, averageRating: hour.ratingSum / hour.count },
      });
    expect(header(stats[0]!, 'sluice.flow')).toBe('product-ratings');
    expect(run.output).toMatch(/ok\s+reviews\.product-stats: records with the samples' figures\s+50/);
    expect(run.output).toMatch(/ok\s+product-stats table: hours with the samples' figures\s+100/);
  });

  it('dead-letters the review that arrives after its hour closed as late, to ratings.dlq', () => {
    const late = produced['ratings.dlq'];
    expect(late).toHaveLength(expected.lateReviews);
    expect(jsonOf(late[0]!).reviewId).toBe('r-10050');
    expect(header(late[0]!, 'sluice.dlq.stage')).toBe('late');
  });
});
