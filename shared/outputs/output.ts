import type { SluiceError, Stage } from '../errors.ts';
import type { FlowRecord } from '../record.ts';

/** A record that could not be processed, with why and where: what the dead-letter output receives. */
export interface DeadLetter {
  readonly record: FlowRecord;
  readonly stage: Stage;
  readonly error: SluiceError;
  /** Which output (or step) rejected it. */
  readonly component: string;
}

export interface OutputContext {
  readonly flowName: string;
  /** Remaining time before the invocation times out, for bounded retries. */
  readonly deadlineMs?: number;
  /**
   * The flow's source topic is `internal` (only flows write it): records' inbound lineage headers are kept and
   * extended. Otherwise every path starts at this hop (see lineage.ts).
   * @default false
   */
  readonly trustsLineage?: boolean;
}

export interface OutputResult {
  readonly written: number;
  /** Records the store rejected for good; everything else was written. */
  readonly deadLetters: readonly DeadLetter[];
  /** Records left out as copies of records already written (an upstream replay); neither written nor lost. */
  readonly replayed?: number;
  /** Records the output leaves out by design (tombstones, which a message or an event cannot carry). */
  readonly skipped?: number;
  /**
   * Records written although their lineage path had already passed their origin offset: copies that came later
   * than the replay guard remembers (possible duplicates), or real records after test events (replay-guard.ts).
   */
  readonly replayUnsure?: number;
  /** Requests the target answered throttled (and that were sent again): the output's throttling alarm reads it. */
  readonly throttled?: number;
}

/**
 * Where records leave a flow. `write` either resolves (every record written or dead-lettered) or throws a
 * retriable error, and must be safe when the same records (or a superset from the same first offset) are
 * written again.
 */
export interface Output {
  readonly name: string;
  write(records: readonly FlowRecord[], context: OutputContext): Promise<OutputResult>;
  close?(): Promise<void>;
}
