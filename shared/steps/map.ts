import { type FlowRecord, isTombstone } from '../record.ts';
import { DROP, perRecordStep, withValue } from './per-record.ts';
import type { Loose, Step } from './step.ts';

export interface MapOptions {
  /**
   * The step's name in metrics, dead letters and the graph.
   * @default 'map'
   * @example name: 'add-score'
   */
  readonly name?: string;
  /**
   * Pass tombstones (null values) through untouched instead of calling the function.
   * @default true
   * @example skipTombstones: false
   */
  readonly skipTombstones?: boolean;
}

/**
 * Replaces each record's value with `fn(value, record)`. Return `undefined` to drop the record. A throw
 * dead-letters that record only.
 * @typeParam In - the value type `fn` receives: what the step before gives (or the source topic's type)
 * @typeParam Out - what `fn` returns (without `undefined`): the value type of the steps and outputs after it
 * @example map((review) => ({ ...review, score: review.rating * 20 }))
 */
export const map = <In = Loose, Out = Loose>(
  fn: (value: In, record: FlowRecord<In>) => Out | undefined,
  options: MapOptions = {},
): Step<In, Out> => {
  const skipTombstones = options.skipTombstones ?? true;
  // The runtime's records carry decoded JSON; `In` is the flow's claim about it, not something checked here.
  const apply = fn as (value: unknown, record: FlowRecord) => unknown;
  return perRecordStep('map', options.name ?? 'map', (record) => {
    if (skipTombstones && isTombstone(record)) return record;
    const value = apply(record.value, record);
    return value === undefined ? DROP : withValue(record, value);
  });
};
