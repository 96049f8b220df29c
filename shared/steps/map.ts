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
 */
export const map = (fn: (value: Loose, record: FlowRecord) => unknown, options: MapOptions = {}): Step => {
  const skipTombstones = options.skipTombstones ?? true;
  return perRecordStep('map', options.name ?? 'map', (record) => {
    if (skipTombstones && isTombstone(record)) return record;
    const value = fn(record.value, record);
    return value === undefined ? DROP : withValue(record, value);
  });
};
