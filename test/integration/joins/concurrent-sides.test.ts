import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import type { FlowRecord } from '../../../shared/record.ts';
import { JOIN_LEFT_HEADER, JOIN_RIGHT_HEADER } from '../../../shared/stateful/join.ts';
import { EventBuilder, type TestRecord } from '../../../shared/testing/kafka-event.ts';
import { localAws } from '../../support/endpoints.ts';
import type { JoinSpec } from '../../support/stateful/contract.ts';
import {
  createJoinStateTable,
  deliver,
  dynamodbEndpoint,
  joinFlows,
} from '../../support/stateful/join-under-test.ts';

const client = new DynamoDBClient(localAws(dynamodbEndpoint()));

// Wide enough that each record pairs across several rounds, far from late: times grow 100 ms a round.
const spec = (type: JoinSpec['type']): JoinSpec => ({
  kind: 'join',
  type,
  beforeMs: 250,
  afterMs: 150,
  graceMs: 2_000,
  partitions: 2,
});
const ROUNDS = 30;
const PER_SIDE = 8;
const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4'];
const START = 1_700_000_000_000;

interface Sent {
  readonly id: string;
  readonly key: string;
  readonly partition: number;
  readonly t: number;
}

/** A deterministic pseudo-random stream (mulberry32), so a failure can be replayed. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
  return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
};

const results = (records: readonly FlowRecord[]) =>
  records.map((r) => `${r.headers[JOIN_LEFT_HEADER] || '-'}|${r.headers[JOIN_RIGHT_HEADER] || '-'}`);

const counts = (xs: readonly string[]) => {
  const m = new Map<string, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
};

/**
 * Both sides run at the same time, round after round, on interleaved records of the same keys and partitions;
 * every third round one side's first delivery fails after its state writes and is delivered again while the
 * other side goes on. Results are counted as delivered (no deduplication).
 */
const run = async (type: JoinSpec['type'], seed: number) => {
  const next = random(seed);
  const state = await createJoinStateTable(client);
  const sides = joinFlows(spec(type), state);
  const builders = { left: new EventBuilder('join.left', 0), right: new EventBuilder('join.right', 0) };
  const sent: Record<'left' | 'right', Sent[]> = { left: [], right: [] };
  const batch = (side: 'left' | 'right', round: number) => {
    const records: TestRecord[] = [];
    for (let i = 0; i < PER_SIDE; i++) {
      const key = KEYS[Math.floor(next() * KEYS.length)] as string;
      const partition = Math.floor(next() * 2);
      const t = START + round * 100 + Math.floor(next() * 100);
      const offset = sent[side].filter((s) => s.partition === partition).length;
      const id = `join.${side}/${partition}/${offset}`;
      sent[side].push({ id, key, partition, t });
      records.push({ key, value: { id }, partition, offset, timestamp: t });
    }
    return builders[side].event(records);
  };
  for (let round = 0; round < ROUNDS; round++) {
    const left = batch('left', round);
    const right = batch('right', round);
    const failing = round % 3 === 2 ? (round % 2 === 0 ? 'left' : 'right') : undefined;
    await Promise.all([
      (async () => {
        await deliver(sides.left, left, client, failing === 'left');
        if (failing === 'left') await deliver(sides.left, left, client, false);
      })(),
      (async () => {
        await deliver(sides.right, right, client, failing === 'right');
        if (failing === 'right') await deliver(sides.right, right, client, false);
      })(),
    ]);
  }
  // Then, alone, one record per partition far ahead: it moves stream time past every window, so whatever Kafka
  // Streams' minTime gate held back so far is due now.
  const flush = builders.left.event(
    [0, 1].map((partition) => ({
      key: 'flush',
      value: { id: `flush-${partition}` },
      partition,
      offset: sent.left.filter((s) => s.partition === partition).length,
      timestamp: START + 100_000,
    })),
  );
  await deliver(sides.left, flush, client, false);
  const expected: string[] = [];
  for (const l of sent.left)
    for (const r of sent.right)
      if (l.key === r.key && l.partition === r.partition && r.t >= l.t - 250 && r.t <= l.t + 150)
        expected.push(`${l.id}|${r.id}`);
  const emitted = results([...sides.left.joined.records, ...sides.right.joined.records]);
  const dead = [...sides.left.dead.records, ...sides.right.dead.records];
  return { expected, emitted, dead, sent };
};

describe('a join whose two sides run at the same time', () => {
  afterAll(() => client.destroy());

  it('emits every pair exactly once, none missing, over 30 concurrent rounds with failed deliveries', async () => {
    // Act
    const { expected, emitted, dead } = await run('inner', 14);
    // Assess
    const seen = counts(emitted);
    expect(expected.length).toBeGreaterThan(300);
    expect([...seen.keys()].sort()).toEqual([...expected].sort());
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(dead).toEqual([]);
  });

  it('outer: emits each record that never found a pair once, alone, and no record that did', async () => {
    // Act
    const { expected, emitted, sent } = await run('outer', 7);
    // Assess
    const paired = new Set(expected.flatMap((p) => p.split('|')));
    const pairs = emitted.filter((e) => !e.startsWith('-|') && !e.endsWith('|-'));
    const alone = emitted
      .filter((e) => e.startsWith('-|') || e.endsWith('|-'))
      .map((e) => e.replace(/^-\||\|-$/g, ''));
    expect(pairs.sort()).toEqual([...expected].sort());
    expect(alone.filter((id) => paired.has(id))).toEqual([]);
    // After the flush, every record that never found a pair is due: each comes out alone exactly once.
    const unpaired = [...sent.left, ...sent.right].filter((s) => !paired.has(s.id)).map((s) => s.id);
    expect(alone.length).toBe(new Set(alone).size);
    expect(unpaired.length).toBeGreaterThan(10);
    expect([...alone].sort()).toEqual([...unpaired].sort());
  });
});
