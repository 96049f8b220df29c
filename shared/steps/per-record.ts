import { isRetriable, LookupError, SluiceError, Stage, StepError, ValidationError } from '../errors.ts';
import type { DeadLetter } from '../outputs/output.ts';
import type { FlowRecord } from '../record.ts';
import type { Step, StepResult } from './step.ts';

/** What a per-record function returns: the record to pass on, or `DROP` to filter it out. */
export const DROP: unique symbol = Symbol('drop');

export const stageOf = (error: SluiceError): Stage =>
  error instanceof ValidationError
    ? Stage.Validate
    : error instanceof LookupError
      ? Stage.Enrich
      : Stage.Step;

/**
 * A failed record's dead letter. Non-Sluice errors (a user callback threw) become StepErrors, keeping the cause.
 */
export const deadLetterOf = (record: FlowRecord, error: unknown, component: string): DeadLetter => {
  const failure =
    error instanceof SluiceError
      ? error
      : new StepError(`${component} threw: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        });
  return { record, stage: stageOf(failure), error: failure, component };
};

/**
 * A step made of one function applied to each record, in order. A throw for one record dead-letters that record
 * and the batch goes on; a retriable throw fails the whole step, since the infrastructure it needs is down.
 */
export const perRecordStep = (
  kind: string,
  name: string,
  apply: (record: FlowRecord) => FlowRecord | typeof DROP,
  extra: Partial<Pick<Step, 'reads' | 'routesTo' | 'rekeysBy'>> = {},
): Step => ({
  kind,
  name,
  ...extra,
  run(records): StepResult {
    const out: FlowRecord[] = [];
    const deadLetters: DeadLetter[] = [];
    let dropped = 0;
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as FlowRecord;
      try {
        const result = apply(record);
        if (result === DROP) dropped++;
        else out.push(result);
      } catch (error) {
        if (isRetriable(error)) throw error;
        deadLetters.push(deadLetterOf(record, error, name));
      }
    }
    return { records: out, deadLetters, dropped };
  },
});

/** The same record with a new value; everything else (source bytes, key, headers, route) kept. */
export const withValue = <V>(record: FlowRecord, value: V): FlowRecord<V> =>
  record.route === undefined
    ? { source: record.source, key: record.key, value, headers: record.headers }
    : { source: record.source, key: record.key, value, headers: record.headers, route: record.route };
