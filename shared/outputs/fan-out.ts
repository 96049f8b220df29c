import { RetriableError } from '../errors.ts';
import type { FlowRecord } from '../record.ts';
import type { DeadLetter, Output, OutputContext, OutputResult } from './output.ts';

/** An output, optionally with the records it takes (the flow's `when` filter for it). */
export type FanOutTarget =
  | Output
  | { readonly output: Output; readonly accepts: (record: FlowRecord) => boolean };

export interface FanOutResult {
  /** Per output name, what it wrote. */
  readonly results: Readonly<Record<string, OutputResult>>;
  readonly deadLetters: readonly DeadLetter[];
}

const unpack = (target: FanOutTarget): { output: Output; accepts?: (record: FlowRecord) => boolean } =>
  'output' in target ? target : { output: target };

/**
 * Writes the same batch to every output in parallel. All writes settle before anything is decided; if any
 * failed, the batch fails with a retriable error so the mapping replays it — the outputs that succeeded are
 * replay-safe (same S3 keys and bytes, same document ids, same items; lineage headers on Kafka duplicates).
 */
export const writeAll = async (
  targets: readonly FanOutTarget[],
  records: readonly FlowRecord[],
  context: OutputContext,
): Promise<FanOutResult> => {
  const unpacked = targets.map(unpack);
  const settled = await Promise.allSettled(
    unpacked.map(({ output, accepts }) => output.write(accepts ? records.filter(accepts) : records, context)),
  );
  const failed = settled.flatMap((outcome, i) =>
    outcome.status === 'rejected'
      ? [{ name: unpacked[i]?.output.name ?? '?', error: outcome.reason as unknown }]
      : [],
  );
  if (failed.length > 0) {
    const detail = failed
      .map(({ name, error }) => `${name}: ${error instanceof Error ? error.message : String(error)}`)
      .join('; ');
    throw new RetriableError(`${failed.length} of ${targets.length} output(s) failed: ${detail}`, {
      cause: failed.length === 1 ? failed[0]?.error : new AggregateError(failed.map((f) => f.error)),
    });
  }
  const results: Record<string, OutputResult> = {};
  const deadLetters: DeadLetter[] = [];
  settled.forEach((outcome, i) => {
    if (outcome.status !== 'fulfilled') return;
    results[unpacked[i]?.output.name ?? String(i)] = outcome.value;
    deadLetters.push(...outcome.value.deadLetters);
  });
  return { results, deadLetters };
};
