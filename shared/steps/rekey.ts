import { StepError } from '../errors.ts';
import type { FieldName } from '../fields.ts';
import { type FlowRecord, isTombstone } from '../record.ts';
import { perRecordStep } from './per-record.ts';
import type { Loose, Step } from './step.ts';

/** DynamoDB's partition key limit is 2048 bytes; a grouping key longer than this is no key anyone means. */
const MAX_KEY_BYTES = 1024;

export interface RekeyOptions<V = Loose> {
  /**
   * The new record key: a top-level field name of the value, or a function of it. Must give a non-empty string
   * or a finite number (written as its decimal text); anything else dead-letters the record.
   * @example key: 'productId'
   */
  readonly key: FieldName<V> | ((value: V, record: FlowRecord<V>) => unknown);
  /**
   * The step's name in metrics, dead letters and the graph.
   * @default 'rekey'
   * @example name: 'by-product'
   */
  readonly name?: string;
}

/**
 * Gives each record a new key read from its value, so a topic output partitions by it: the repartition step a
 * windowed aggregation or a join needs when the topic is keyed by something else (Kafka Streams writes through
 * a `-repartition` topic the same way). The value, headers and lineage are kept; tombstones pass unchanged.
 * @example rekey({ key: 'productId' })
 */
export const rekey = <In = Loose>(options: RekeyOptions<NoInfer<In>>): Step<In, In> => {
  const name = options.name ?? 'rekey';
  const field = options.key;
  const read =
    typeof field === 'function'
      ? (field as (value: unknown, record: FlowRecord) => unknown)
      : (value: unknown) => (value as Record<string, unknown> | null)?.[field as string];
  return perRecordStep(
    'rekey',
    name,
    (record) => {
      if (isTombstone(record)) return record;
      const raw = read(record.value, record);
      const key = typeof raw === 'number' && Number.isFinite(raw) ? String(raw) : raw;
      if (typeof key !== 'string' || key.length === 0)
        throw new StepError(
          `${name}: the new key is ${raw === undefined ? 'missing' : typeof raw === 'string' ? 'empty' : `a ${typeof raw}`}, not a string or number`,
        );
      if (Buffer.byteLength(key) > MAX_KEY_BYTES)
        throw new StepError(`${name}: the new key is longer than ${MAX_KEY_BYTES} bytes`);
      return { ...record, key };
    },
    { rekeysBy: typeof field === 'string' ? field : 'function' },
  );
};
