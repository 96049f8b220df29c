import type { RecordPredicate } from '../filter/predicate.ts';
import { compileFilter } from '../filter/predicate.ts';
import type { OutputSpec } from '../outputs/spec.ts';
import type { FlowRecord } from '../record.ts';

/**
 * Which records an output receives: those matching its `when`, and — for topic outputs — only records that a
 * route step sent to one of its topics, or that no route step touched. Order is kept.
 */
export const selectorFor = (spec: OutputSpec): ((records: readonly FlowRecord[]) => FlowRecord[]) => {
  const when: RecordPredicate | undefined = spec.when ? compileFilter(spec.when) : undefined;
  const topics = spec.kind === 'topic' ? new Set(spec.resources.topics ?? []) : undefined;
  if (when === undefined && topics === undefined) return (records) => records as FlowRecord[];
  return (records) => {
    const selected: FlowRecord[] = [];
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as FlowRecord;
      if (topics !== undefined && record.route !== undefined && !topics.has(record.route)) continue;
      if (when !== undefined && !when(record)) continue;
      selected.push(record);
    }
    return selected;
  };
};
