import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { localKafka } from '../../../local/kafka-client.ts';
import { expectationsFor, sampleFiles } from '../../../local/runner/expectations.ts';
import { publish } from '../../../local/runner/publish.ts';
import { indexCount, lakeCopiesOf, lakeKeys, readLake } from '../../../local/runner/verify.ts';
import type { SampleRecord } from '../../../local/samples/generate.ts';
import { readSampleRecords } from '../../../local/samples/records.ts';
import { localAwsConfig } from '../../../local/services/aws-local.ts';
import { readState } from '../../../local/services/state.ts';
import { runCli } from '../../support/cli.ts';
import { header, jsonOf, type ReadMessage, readTopic, topicEndOffsets } from '../../support/topics.ts';

const resume = () => runCli('local/cli.ts', ['start', '--resume'], { SLUICE_DRAIN_TIMEOUT_SECONDS: '420' });

const reviews = readSampleRecords(sampleFiles.reviews);
const customers = readSampleRecords(sampleFiles.customers);
const template = reviews.find((r) => r.expect === undefined && r.key !== null) as SampleRecord;
const review = (id: string, patch: Record<string, unknown>): Record<string, unknown> => ({
  ...(template.value as Record<string, unknown>),
  reviewId: id,
  ...patch,
});

/** A 150 KB email: quadratic backtracking in the email check took ~60 s per record before. */
const longEmail: SampleRecord = {
  key: 'attack-email',
  value: review('attack-email', { email: `${'a'.repeat(150_000)}@example.com` }),
  expect: 'step: email too long',
};
/** Three 500 KB reviews with one key: one partition, 1.5 MB together, over the topics' 1 MiB request limit. */
const bigReviews: SampleRecord[] = [0, 1, 2].map((i) => ({
  key: 'attack-big',
  value: review(`attack-big-${i}`, { text: `${'x'.repeat(499_000)}${i}` }),
}));
/** 5,000 valid reviews whose producer forged 64 KB of lineage: ingress lineage is not trusted. */
const forged: SampleRecord[] = Array.from({ length: 5_000 }, (_, i) => ({
  key: `forged-${i % 50}`,
  value: review(`forged-${i}`, {}),
  headers: {
    'sluice.path': `reviews.raw/${i}>`.repeat(5_000).slice(0, 65_536),
    'sluice.origin.offset': String(9_000_000_000 + i),
  },
}));

const attacks = [longEmail, ...bigReviews, ...forged];
// Interleaved with the samples, so every partition sees offenders between ordinary records.
const published: SampleRecord[] = [];
for (let i = 0, a = 0; i < reviews.length || a < attacks.length; i++) {
  if (i < reviews.length) published.push(reviews[i] as SampleRecord);
  for (let k = 0; k < 3 && a < attacks.length; k++) published.push(attacks[a++] as SampleRecord);
}
const expected = expectationsFor(published, customers);

const outputTopics = ['reviews.clean', 'reviews.enriched', 'reviews.alerts', 'reviews.dlq'] as const;
const produced = new Map<string, ReadMessage[]>();
let run: { code: number | null; output: string };
let lakeIds: { found: number; lines: number };
let marksBytes: number[] = [];

/**
 * The three attack inputs of the issue-10 review, published on reviews.raw among the sample reviews and run
 * through the real pipeline (every flow in its bundle, the emulated mappings, the real servers).
 */
describe('hostile records on reviews.raw, through the real pipeline', () => {
  beforeAll(async () => {
    // Prepare: reference data in place first, as a deployment would have it.
    const kafka = localKafka('hostile-input-test');
    await resume(); // starts servers, provisions topics and the bucket, drains what is left from earlier tests
    await publish(kafka, 'customers.cdc', customers);
    await resume();
    const state = readState();
    const before = new Map<string, Map<number, number>>();
    for (const topic of outputTopics) before.set(topic, await topicEndOffsets(topic));
    const lakeBefore = await lakeKeys(state, 'sluice-lake', 'reviews/');

    // Act
    await publish(kafka, 'reviews.raw', published);
    run = await resume();

    // Assess (collected here, judged below)
    for (const topic of outputTopics) produced.set(topic, await readTopic(topic, before.get(topic)));
    const lake = await readLake(state, 'sluice-lake', 'reviews/', lakeBefore);
    lakeIds = lakeCopiesOf(lake, expected.enrichedReviewIds);
    const s3 = new S3Client({ ...localAwsConfig(state.s3?.endpoint ?? ''), forcePathStyle: true });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'sluice-lake', Prefix: 'reviews/' }));
    marksBytes = (listed.Contents ?? [])
      .filter((o) => o.Key?.includes('_sluice/replay-marks/'))
      .map((o) => o.Size ?? 0);
    s3.destroy();
  }, 1_500_000);

  it('drains every partition: no record stops its partition', () => {
    expect(run.code, run.output.slice(-4000)).toBe(0);
    expect(run.output).toContain('all flows drained');
  });

  it('delivers every other record exactly as the samples call for, the three big reviews included', () => {
    const clean = produced.get('reviews.clean') ?? [];
    const enriched = produced.get('reviews.enriched') ?? [];
    expect(clean).toHaveLength(expected.clean);
    const enrichedIds = new Set(enriched.map((m) => jsonOf(m).reviewId as string));
    expect(enrichedIds).toEqual(new Set(expected.enrichedReviewIds));
    expect(enrichedIds).toContain('attack-big-2');
    expect(new Set((produced.get('reviews.alerts') ?? []).map((m) => jsonOf(m).reviewId))).toEqual(
      new Set(expected.alertReviewIds),
    );
  });

  it('keeps source order for the three big reviews that share a key', () => {
    const big = (produced.get('reviews.enriched') ?? [])
      .map((m) => jsonOf(m).reviewId as string)
      .filter((id) => id.startsWith('attack-big-'));
    expect(big).toEqual(['attack-big-0', 'attack-big-1', 'attack-big-2']);
  });

  it('dead-letters the offenders with their stage and reason, and nothing else', () => {
    const dlq = produced.get('reviews.dlq') ?? [];
    expect(dlq).toHaveLength(expected.reviewDeadLetters);
    const email = dlq.find((m) => String(m.key) === 'attack-email');
    expect(email, 'the 150 KB email').toBeDefined();
    expect(header(email as ReadMessage, 'sluice.dlq.stage')).toBe('step');
    expect(header(email as ReadMessage, 'sluice.dlq.error-message')).toMatch(/email/i);
  });

  it('restarts lineage on the ingress topic: no forged path travels on', () => {
    const withLineage = published.filter((r) => r.headers?.['sluice.path'] !== undefined).length;
    expect(withLineage).toBeGreaterThanOrEqual(forged.length);
    expect(run.output).toMatch(
      new RegExp(`cleanse-reviews .*ignored the lineage headers ${withLineage} records arrived with`),
    );
    for (const message of produced.get('reviews.clean') ?? []) {
      const path = header(message, 'sluice.path') ?? '';
      expect(path).toMatch(/^reviews\.raw\/\d+$/);
    }
  });

  it('writes every delivered review to the lake exactly once and indexes it', async () => {
    expect(lakeIds).toEqual({ found: expected.enriched, lines: expected.enriched });
    expect(await indexCount(readState(), 'reviews', expected.enrichedReviewIds)).toBe(expected.enriched);
  });

  it('keeps the lake replay marks small whatever producers send', () => {
    expect(marksBytes.length).toBeGreaterThan(0);
    for (const bytes of marksBytes) expect(bytes).toBeLessThan(64 * 1024);
  });
});
