import type { Filter } from '../filter/filter.ts';
import { compileFilter } from '../filter/predicate.ts';
import type { FlowRecord } from '../record.ts';
import { DROP, perRecordStep } from './per-record.ts';
import type { Step } from './step.ts';

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
 * @example filter(where({ source: 'app' }))
 */
export const filter = (keep: Filter, options: FilterOptions = {}): Step => {
  const test = compileFilter(keep);
  return perRecordStep('filter', options.name ?? 'filter', (record: FlowRecord) =>
    test(record) ? record : DROP,
  );
};
