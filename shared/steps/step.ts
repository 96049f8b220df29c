import type { DeadLetter } from '../outputs/output.ts';
import type { FlowRecord } from '../record.ts';
import type { TableRef, TopicRef } from '../topology/resources.ts';

/** Counters a step adds to the batch's metrics (cache hits, lookup calls, ...). */
export interface MetricsSink {
  count(name: string, value: number): void;
}

/**
 * Effects a step may need, injected by the handler (or a test). A step that needs a port it was not given
 * creates its default once per execution environment.
 */
export interface StepPorts {
  /** A DynamoDB client (an `@aws-sdk/client-dynamodb` DynamoDBClient satisfies it). */
  readonly dynamodb?: { send(command: unknown): Promise<unknown> };
}

export interface StepContext {
  readonly flowName: string;
  readonly metrics: MetricsSink;
  readonly ports: StepPorts;
  /**
   * Whether the records' inbound lineage headers are believed (the source topic is `internal`): a stateful step
   * then recognises an upstream replay's copies by their origin. Absent: not believed.
   */
  readonly trustsLineage?: boolean;
}

export interface StepResult {
  /** Records that go on, in input order. */
  readonly records: FlowRecord[];
  /** Records that failed for good (non-retriable), with why. */
  readonly deadLetters: DeadLetter[];
  /** Records deliberately dropped (filtered out, inner-join misses configured to drop). */
  readonly dropped: number;
  /**
   * Stateful steps only: what to make durable once the batch is delivered. The handler calls it after every
   * output and the dead letters succeeded, never when the batch is retried whole; with partial batch response,
   * `failed` gives the lowest failed offset per source partition (records from it on will be delivered again).
   * A throw fails the batch (retriable: its records are delivered again), so a step must make `run` safe to
   * repeat for records whose commit did not happen (fenced state writes, deterministic results).
   */
  readonly commit?: (delivered: BatchDelivery) => Promise<void>;
}

/** What a step's `commit` learns about its batch's delivery. */
export interface BatchDelivery {
  /** Lowest offset per source partition that will be delivered again (partial batch response); empty when none. */
  readonly failed: ReadonlyMap<number, number>;
}

/** An enrich step's join, described: the table it reads, the field it adds, inner or left, what a miss does. */
export interface StepJoin {
  readonly table: TableRef;
  readonly as: string;
  readonly join: 'inner' | 'left';
  /** Inner joins only: a miss is dropped or dead-lettered. */
  readonly onMissing?: 'drop' | 'deadLetter';
}

/**
 * One stage of a flow. `run` receives the whole batch so batched steps (enrich) can work across records.
 * A per-record failure becomes a dead letter; a retriable error thrown from `run` fails the batch (or its
 * records are reported as batch item failures); any other error thrown from `run` fails the batch loudly.
 *
 * The type parameters are the record value types the step takes and gives, for the flow builder
 * (`defineFlow(…).step(…).to(…)`) to chain: the runtime never reads them (`run` sees decoded JSON).
 * @typeParam In - the value type this step's callbacks receive
 * @typeParam Out - the value type the next step (or the outputs) receive
 * @example const addScore: Step<Review, Review & { score: number }> = map((review) => ({ ...review, score: 1 }))
 */
export interface Step<In = Loose, Out = In> {
  /** Types only, never set: carries `In` and `Out` so a chain of steps type-checks. */
  readonly '~types'?: { readonly in: (value: In) => void; readonly out: Out };
  readonly kind: string;
  readonly name: string;
  /** Tables this step reads: the CDK app grants read access; the topology checks they are declared. */
  readonly reads?: readonly TableRef[];
  /** Tables this step keeps state in (reads and writes): the CDK app grants both; the topology checks them. */
  readonly keepsStateIn?: readonly TableRef[];
  /**
   * The partition keys this step's state items may have, as IAM `StringLike` patterns (`w|ratings|*`): the CDK
   * app limits its grant on `keepsStateIn` to them (`dynamodb:LeadingKeys`). Absent: the whole table.
   */
  readonly stateKeys?: readonly string[];
  /**
   * The value field this step groups records by (a windowed aggregation's key; 'function' when a function gives
   * it): `defineTopology` requires the flow's source topic to be declared `keyedBy` it, else records of one key
   * would be spread over partitions, each with its own stream time.
   */
  readonly groupsBy?: string;
  /**
   * The value field this step makes each record's key (`rekey`; 'function' when a function gives it):
   * `defineTopology` requires the flow's topic outputs to be declared `keyedBy` it.
   */
  readonly rekeysBy?: string;
  /** Topics this step may route records to: each must be one of the flow's topic outputs. */
  readonly routesTo?: readonly TopicRef[];
  /** Top-level value fields this step adds (enrich's `as`): a source filter, which runs before it, cannot read them. */
  readonly adds?: readonly string[];
  /** The stream–table join this step makes (enrich), as data: `npm run graph` labels the table's edge with it. */
  readonly joins?: StepJoin;
  /**
   * Load-time checks of the step's options that should name the flow: `defineFlow` calls it with the step's path
   * (`flows.<flow>.steps[<i>]`); it throws a ConfigError under that path.
   */
  readonly check?: (path: string) => void;
  run(records: readonly FlowRecord[], context: StepContext): StepResult | Promise<StepResult>;
}

export const isStep = (value: unknown): value is Step =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Step).kind === 'string' &&
  typeof (value as Step).name === 'string' &&
  typeof (value as Step).run === 'function';

/**
 * A step whose value types are not known: what the runtime (handler, CDK app, graph) holds, and what a flow's
 * `steps: [...]` array takes. A flow written with the builder knows them.
 */
// biome-ignore lint/suspicious/noExplicitAny: the runtime holds steps of every value type
export type Loose = any;
