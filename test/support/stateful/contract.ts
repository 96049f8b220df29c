/**
 * The contract between the stateful-semantics oracle (Kafka Streams in `TopologyTestDriver`) and Sluice's
 * stateful steps, for the property tests: one logical input, told to both, and results compared as sets.
 *
 * Times are epoch milliseconds of event time (Kafka Streams reads them as the record timestamp). A key lives in
 * one partition (the topics are keyed by it), so stream time is kept per partition by both sides.
 */

/** A window as both sides declare it. `hopping` windows are aligned to the epoch, as Kafka Streams' are. */
export type WindowSpec =
  | { readonly type: 'tumbling'; readonly sizeMs: number }
  | { readonly type: 'hopping'; readonly sizeMs: number; readonly advanceMs: number }
  | { readonly type: 'session'; readonly gapMs: number };

export type ReductionName = 'count' | 'sum' | 'min' | 'max' | 'avg';

export interface AggregateSpec {
  readonly kind: 'aggregate';
  readonly window: WindowSpec;
  readonly graceMs: number;
  /** Over each record's numeric `value` (count ignores it). */
  readonly reduce: ReductionName;
  readonly partitions: number;
}

export interface JoinSpec {
  readonly kind: 'join';
  readonly type: 'inner' | 'left' | 'outer';
  /** A right record joins a left one when `left.ts - beforeMs <= right.ts <= left.ts + afterMs`. */
  readonly beforeMs: number;
  readonly afterMs: number;
  readonly graceMs: number;
  readonly partitions: number;
}

/** One record of the logical input, each delivered at least once to Sluice and exactly once to the oracle. */
export interface InputRecord {
  /** Join inputs only: which topic it is on. */
  readonly side?: 'left' | 'right';
  readonly partition: number;
  /** Per (side, partition), increasing in input order. */
  readonly offset: number;
  readonly key: string;
  readonly timestamp: number;
  readonly value: number;
  /** Unique in the input; join pairs name their records by it. */
  readonly id: string;
}

/**
 * How Sluice is given the input: batches in order, per (side, partition) in offset order, where a batch may be
 * delivered again (Lambda's retries, bisected halves, a crash and `--resume`): `failAfterState` makes the outputs
 * of that delivery fail (retriably) after the step's state writes, so the same records come again.
 */
export interface Delivery {
  readonly side?: 'left' | 'right';
  readonly partition: number;
  readonly records: readonly InputRecord[];
  readonly failAfterState?: boolean;
}

/** One emitted window result (on window close). `avg` compares within 1e-9 relative. */
export interface WindowResult {
  readonly key: string;
  readonly windowStart: number;
  /** Exclusive for tumbling/hopping (start + size); for sessions the last record's time (Kafka Streams' end). */
  readonly windowEnd: number;
  readonly value: number;
}

/** One emitted join result; `left`/`right` are record ids, null for an unmatched side (left and outer joins). */
export interface JoinPair {
  readonly key: string;
  readonly left: string | null;
  readonly right: string | null;
}

/** What each side answers for the same logical input. */
export interface AggregateAnswer {
  readonly results: readonly WindowResult[];
  /** Ids of records dropped as late (Sluice: dead-lettered with stage `late`). */
  readonly late: readonly string[];
  /**
   * The oracle only: ids among `late` that Kafka Streams counted as dropped although the session it emitted at
   * once includes them (its session store refuses a merged session ending exactly gap + grace before stream
   * time, after the processor accepted it). Sluice counts such a record and does not call it late.
   */
  readonly droppedButEmitted?: readonly string[];
}

export interface JoinAnswer {
  readonly pairs: readonly JoinPair[];
  readonly late: readonly string[];
}

/** Sluice under test: runs the deliveries through the real step (state in dynalite) and collects what was emitted. */
export interface StatefulUnderTest {
  aggregate(spec: AggregateSpec, deliveries: readonly Delivery[]): Promise<AggregateAnswer>;
  join(spec: JoinSpec, deliveries: readonly Delivery[]): Promise<JoinAnswer>;
}
