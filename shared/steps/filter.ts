import type { Filter } from '../filter/filter.ts';
import { compileFilter } from '../filter/predicate.ts';
import type { FlowRecord } from '../record.ts';
import { DROP, perRecordStep } from './per-record.ts';
import type { Step } from './step.ts';

/** Keeps records matching the filter (data from `where`/`anyOf`, or a `predicate`), drops the rest. */
export const filter = (keep: Filter, options: { readonly name?: string } = {}): Step => {
  const test = compileFilter(keep);
  return perRecordStep('filter', options.name ?? 'filter', (record: FlowRecord) =>
    test(record) ? record : DROP,
  );
};
