import { FilterError, Stage } from '../errors.ts';
import type { RecordPredicate } from '../filter/predicate.ts';
import { compileFilter } from '../filter/predicate.ts';
import type { DeadLetter } from '../outputs/output.ts';
import type { OutputSpec } from '../outputs/spec.ts';
import type { FlowRecord } from '../record.ts';

/** Records an output receives; records whose `when` threw are pushed onto `rejected` as dead letters. */
export type Selector = (records: readonly FlowRecord[], rejected: DeadLetter[]) => FlowRecord[];

/**
 * Which records an output receives: those matching its `when`, and — for topic outputs — only records that a
 * route step sent to one of its topics, or that no route step touched. Order is kept. A `when` that throws
 * for a record dead-letters that record for this output only (stage `filter`); other outputs still get it.
 */
export const selectorFor = (spec: OutputSpec): Selector => {
  const when: RecordPredicate | undefined = spec.when ? compileFilter(spec.when) : undefined;
  const topics = spec.kind === 'topic' ? new Set(spec.resources.topics ?? []) : undefined;
  if (when === undefined && topics === undefined) return (records) => records as FlowRecord[];
  const component = `${spec.name} when`;
  return (records, rejected) => {
    const selected: FlowRecord[] = [];
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as FlowRecord;
      if (topics !== undefined && record.route !== undefined && !topics.has(record.route)) continue;
      if (when !== undefined) {
        let matched: boolean;
        try {
          matched = when(record);
        } catch (error) {
          rejected.push(filterDeadLetter(record, error, component));
          continue;
        }
        if (!matched) continue;
      }
      selected.push(record);
    }
    return selected;
  };
};

/** A record a filter threw for: its dead letter, saying which filter and what it threw. */
export const filterDeadLetter = (record: FlowRecord, error: unknown, component: string): DeadLetter => ({
  record,
  stage: Stage.Filter,
  error: new FilterError(
    `${component} threw: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    { cause: error },
  ),
  component,
});
