import type { Filter } from '../filter/filter.ts';
import { compileFilter } from '../filter/predicate.ts';
import type { FlowRecord } from '../record.ts';
import { DROP, perRecordStep } from './per-record.ts';
import type { Loose, Step } from './step.ts';

/** Options of the `filter` step. */
export interface FilterOptions {
  /**
   * The step's name in metrics, dead letters and the graph.
   * @default 'filter'
   * @example name: 'only-app-reviews'
   */
  readonly name?: string;
}

/**
 * Keeps records matching the filter (data from `where`/`anyOf`, or a `predicate`), drops the rest.
 * @typeParam V - the value type, passed on unchanged: `where` paths must be fields of it
 * @example filter(where({ source: 'app' }))
 */
export const filter = <V = Loose>(keep: Filter<V>, options: FilterOptions = {}): Step<V, V> => {
  const test = compileFilter(keep);
  return perRecordStep('filter', options.name ?? 'filter', (record: FlowRecord) =>
    test(record) ? record : DROP,
  );
};
