/**
 * fast-check arbitraries for the stateful property tests: a spec, a logical input (several keys and partitions,
 * out of order within grace, late records) and how Sluice is given it (batches, replays), as contract.ts shapes.
 *
 * The input is the records in the order Sluice first sees them; per (side, partition) that is offset order, and
 * across sides of a join it is the order of the first deliveries, so the oracle is told the same interleaving.
 */
import fc from 'fast-check';
import type { AggregateSpec, Delivery, InputRecord, JoinSpec, WindowSpec } from './contract.ts';

export interface StatefulCase<S> {
  readonly spec: S;
  /** What the oracle is given: each record once, in first-delivery order. */
  readonly records: readonly InputRecord[];
  /** What Sluice is given: every record at least once, with replays. */
  readonly deliveries: readonly Delivery[];
}

/**
 * How one batch is delivered: `once`; `duplicate` (delivered again after it succeeded: a crash before the
 * offsets were committed); `retry` (its outputs fail after the state writes, then it comes again whole);
 * `bisect` (fails the same way, then comes as two halves: split batch on error); `rewind` (after it, the
 * previous batch and this one come again as one: `--resume` or a replay from an earlier offset).
 */
export type DeliveryPlan = 'once' | 'duplicate' | 'retry' | 'bisect' | 'rewind';

/** Event times start here (2026-01-01T00:00:00Z): epoch-aligned windows, far from 0. */
export const baseTime = 1_767_225_600_000;

interface Step {
  readonly key: number;
  readonly left: boolean;
  readonly value: number;
  /** How far the timeline moves on before this record. */
  readonly advance: number;
  /** How far behind the timeline this record's event time is (out of order, or late). */
  readonly back: number;
  /** This record ends its batch. */
  readonly cut: boolean;
  /** Used by a batch's first record: how its batch is delivered, and how long it waits behind the one before. */
  readonly plan: DeliveryPlan;
  readonly wait: number;
}

const plans = fc.constantFrom<DeliveryPlan>('once', 'once', 'once', 'duplicate', 'retry', 'bisect', 'rewind');

const steps = (keys: number, graceMs: number, lateMs: number, maxLength: number): fc.Arbitrary<Step[]> =>
  fc.array(
    fc.record({
      key: fc.nat(keys - 1),
      left: fc.boolean(),
      value: fc.integer({ min: -20, max: 100 }),
      advance: fc.nat(25),
      back: fc.oneof(
        { weight: 4, arbitrary: fc.constant(0) },
        { weight: 3, arbitrary: fc.integer({ min: 0, max: graceMs + 5 }) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: lateMs }) },
      ),
      cut: fc.boolean(),
      plan: plans,
      wait: fc.integer({ min: 1, max: 8 }),
    }),
    // Medium: up to `maxLength` records, typically a dozen or two, so windows and joins see company.
    { minLength: 1, maxLength, size: 'medium' },
  );

interface Batch {
  readonly side?: 'left' | 'right';
  readonly partition: number;
  readonly records: InputRecord[];
  readonly plan: DeliveryPlan;
  readonly at: number;
  readonly stream: number;
}

const deliveriesOf = (batch: Batch, previous: Batch | undefined): Delivery[] => {
  const { side, partition, records } = batch;
  const delivery = (rs: readonly InputRecord[], failAfterState?: boolean): Delivery => ({
    ...(side ? { side } : {}),
    partition,
    records: rs,
    ...(failAfterState ? { failAfterState } : {}),
  });
  const half = Math.ceil(records.length / 2);
  switch (batch.plan) {
    case 'once':
      return [delivery(records)];
    case 'duplicate':
      return [delivery(records), delivery(records)];
    case 'retry':
      return [delivery(records, true), delivery(records)];
    case 'bisect':
      return records.length < 2
        ? [delivery(records, true), delivery(records)]
        : [delivery(records, true), delivery(records.slice(0, half)), delivery(records.slice(half))];
    case 'rewind':
      return [delivery(records), delivery([...(previous?.records ?? []), ...records])];
  }
};

/** Keys, offsets, batches and deliveries from the steps; `sided` for joins. */
const build = (all: readonly Step[], partitions: number, sided: boolean) => {
  let cursor = baseTime;
  const streams = new Map<string, { records: InputRecord[]; steps: Step[] }>();
  all.forEach((step, i) => {
    cursor += step.advance;
    const side = sided ? (step.left ? 'left' : 'right') : undefined;
    // A key lives in one partition: the topics are keyed by it.
    const partition = step.key % partitions;
    const name = `${side ?? ''}/${partition}`;
    const stream = streams.get(name) ?? { records: [], steps: [] };
    streams.set(name, stream);
    stream.records.push({
      ...(side ? { side } : {}),
      partition,
      offset: stream.records.length,
      key: `k${step.key}`,
      timestamp: cursor - step.back,
      value: step.value,
      id: `${side === 'right' ? 'r' : side === 'left' ? 'l' : 'x'}${i}`,
    });
    stream.steps.push(step);
  });
  const batches: Batch[] = [];
  [...streams.values()].forEach(({ records, steps: streamSteps }, stream) => {
    let at = 0;
    let start = 0;
    records.forEach((record, i) => {
      if (i !== records.length - 1 && !streamSteps[i]?.cut) return;
      const first = streamSteps[start] as Step;
      at += first.wait;
      batches.push({
        ...(record.side ? { side: record.side } : {}),
        partition: record.partition,
        records: records.slice(start, i + 1),
        plan: first.plan,
        at,
        stream,
      });
      start = i + 1;
    });
  });
  // Streams interleave; each keeps its own order.
  const ordered = [...batches].sort((a, b) => a.at - b.at || a.stream - b.stream);
  const deliveries: Delivery[] = [];
  const lastOf = new Map<number, Batch>();
  for (const batch of ordered) {
    deliveries.push(...deliveriesOf(batch, lastOf.get(batch.stream)));
    lastOf.set(batch.stream, batch);
  }
  const seen = new Set<string>();
  const records: InputRecord[] = [];
  for (const d of deliveries)
    for (const r of d.records)
      if (!seen.has(r.id)) {
        seen.add(r.id);
        records.push(r);
      }
  return { records, deliveries };
};

export const windowSpec: fc.Arbitrary<WindowSpec> = fc.oneof(
  fc.record({ type: fc.constant('tumbling' as const), sizeMs: fc.integer({ min: 5, max: 100 }) }),
  fc
    .record({ sizeMs: fc.integer({ min: 10, max: 100 }), fifths: fc.integer({ min: 1, max: 5 }) })
    .map(({ sizeMs, fifths }) => ({
      type: 'hopping' as const,
      sizeMs,
      advanceMs: Math.max(1, Math.round((sizeMs * fifths) / 5)),
    })),
  fc.record({ type: fc.constant('session' as const), gapMs: fc.integer({ min: 1, max: 40 }) }),
);

export const aggregateSpec: fc.Arbitrary<AggregateSpec> = fc.record({
  kind: fc.constant('aggregate' as const),
  window: windowSpec,
  graceMs: fc.integer({ min: 0, max: 60 }),
  reduce: fc.constantFrom('count', 'sum', 'min', 'max', 'avg'),
  partitions: fc.integer({ min: 1, max: 3 }),
});

export const joinSpec: fc.Arbitrary<JoinSpec> = fc.record({
  kind: fc.constant('join' as const),
  type: fc.constantFrom('inner', 'left', 'outer'),
  beforeMs: fc.integer({ min: 0, max: 50 }),
  afterMs: fc.integer({ min: 0, max: 50 }),
  graceMs: fc.integer({ min: 0, max: 40 }),
  partitions: fc.integer({ min: 1, max: 3 }),
});

/** An aggregation over 6 keys, up to `maxRecords` records, some late by up to 300 ms past grace. */
export const aggregateCase = (maxRecords = 40): fc.Arbitrary<StatefulCase<AggregateSpec>> =>
  aggregateSpec.chain((spec) =>
    steps(6, spec.graceMs, spec.graceMs + 300, maxRecords).map((s) => ({
      spec,
      ...build(s, spec.partitions, false),
    })),
  );

/** A join of two sides over 3 keys, up to `maxRecords` records in all, some too late for the join window's store. */
export const joinCase = (maxRecords = 40): fc.Arbitrary<StatefulCase<JoinSpec>> =>
  joinSpec.chain((spec) =>
    steps(3, spec.graceMs, spec.beforeMs + spec.afterMs + spec.graceMs + 200, maxRecords).map((s) => ({
      spec,
      ...build(s, spec.partitions, true),
    })),
  );
