import * as z from 'zod/mini';
import { ConfigError } from '../errors.ts';
import type { FieldPath } from '../fields.ts';
import type { Filter } from '../filter/filter.ts';
import type { FlowRecord } from '../record.ts';
import type { Loose } from '../steps/step.ts';
import { type DeclaredOutput, lazyOutput, whenOf } from './declared.ts';
import { envelopeLine } from './lake-objects.ts';
import { fn, int, nameOf, oneOf, parseOptions, resourceName, text } from './options.ts';
import { limiterOf, rateLimitSchema } from './rate-limit-option.ts';

const optionsSchema = z.strictObject({
  /**
   * Slow this output down to a rate (a token bucket per execution environment, shared by all its partitions;
   * Lambda's concurrency multiplies it). A wait that would pass the invocation's deadline fails the batch
   * (retriable) instead.
   * @default none
   * @example rateLimit: { perSecond: 500, burst: 1000 }
   */
  rateLimit: z.optional(rateLimitSchema),
  /**
   * The lake bucket (name or declared bucket).
   * @example bucket: lake
   */
  bucket: resourceName,
  /**
   * Key prefix; no leading or trailing slash.
   * @default '' (the bucket's root)
   * @example prefix: 'reviews/enriched'
   */
  prefix: z._default(
    z.string().check(
      z.regex(/^(?:[a-zA-Z0-9!_.*'()-]+(?:\/[a-zA-Z0-9!_.*'()=-]+)*)?$/, {
        error: 'must be a key prefix without leading or trailing slash',
      }),
    ),
    '',
  ),
  /**
   * Only records matching this filter go to this output (a throwing filter dead-letters the record for it alone).
   * @default every record
   * @example when: where({ rating: { lte: 2 } })
   */
  when: z.optional(z.unknown()),
  /**
   * Dotted path of the value field giving event time, for the `dt=`/`hour=` partitions (never the wall clock).
   * @default the record's Kafka timestamp
   * @example timeField: 'createdAt'
   */
  timeField: z.optional(text()),
  /**
   * gzip NDJSON, or Parquet (hyparquet-writer) with `columns` naming the row fields and their types.
   * @default 'ndjson'
   * @example format: 'parquet'
   */
  format: z._default(oneOf(['ndjson', 'parquet']), 'ndjson'),
  /**
   * Parquet columns, read by name from each row.
   * @default the envelope's (value and headers as JSON)
   * @example columns: { reviewId: 'STRING', rating: 'INT32', createdAt: 'TIMESTAMP' }
   */
  columns: z.optional(
    z.record(z.string(), oneOf(['STRING', 'JSON', 'BOOLEAN', 'INT32', 'INT64', 'DOUBLE', 'TIMESTAMP'])),
  ),
  /**
   * The JSON line for one record.
   * @default the value with topic, partition, offset, timestamp and key
   * @example line: (record) => record.value
   */
  line: z.optional(fn<(record: FlowRecord) => unknown>()),
  /**
   * Uncompressed bytes per object before a deterministic split.
   * @default 67108864 (64 MiB)
   * @example maxObjectBytes: 16 * 1024 * 1024
   */
  maxObjectBytes: z._default(int(1024), 64 * 1024 * 1024),
  /**
   * A tombstone (a Kafka null value) is kept as a line with `"tombstone": true`, or skipped.
   * @default 'keep'
   * @example tombstones: 'skip'
   */
  tombstones: z._default(oneOf(['keep', 'skip']), 'keep'),
  /**
   * Objects uploaded at once.
   * @default 8
   * @example concurrency: 16
   */
  concurrency: z._default(int(1, 64), 8),
  /**
   * Leave out copies of records this sink already wrote, which an upstream flow's replay produced at new
   * offsets (recognised by their lineage headers; marks kept under `<prefix>/_sluice/`).
   * @default true
   * @example dropReplays: false
   */
  dropReplays: z._default(z.boolean(), true),
  /**
   * With `dropReplays`: how many written records the marks remember per source partition. A copy that arrives
   * later than this many records after its original is written again (counted as RecordsReplayUnsure); the
   * marks take about 6 bytes a record (at most 10).
   * @default 2048
   * @example replayWindow: 8192
   */
  replayWindow: z._default(int(64, 65_536), 2048),
});

/**
 * Options of `toS3`.
 * @typeParam V - the record value type: `timeField`, `line` and `when` read it
 */
export type S3OutputOptions<V = Loose> = Omit<
  z.input<typeof optionsSchema>,
  'when' | 'timeField' | 'line'
> & {
  /**
   * Only records matching this filter go to this output (a throwing filter dead-letters the record for it alone).
   * @default every record
   * @example when: where({ rating: { lte: 2 } })
   */
  readonly when?: Filter<V>;
  /**
   * Dotted path of the value field giving event time, for the `dt=`/`hour=` partitions (never the wall clock).
   * @default the record's Kafka timestamp
   * @example timeField: 'createdAt'
   */
  readonly timeField?: FieldPath<V>;
  /**
   * The JSON line for one record (a tombstone too, unless `tombstones: 'skip'`: its value is null).
   * @default the value with topic, partition, offset, timestamp and key
   * @example line: (record) => record.value
   */
  readonly line?: (record: FlowRecord<V>) => unknown;
};
export interface S3Resources {
  /** Objects are written under `<bucketPrefix>/…` only ('' = the whole bucket). */
  readonly bucketPrefix: string;
  readonly bucket: string;
  /** Set when the output drops replayed copies: its flow also reads `<bucketPrefix>/_sluice/replay-marks/<flow>/…`. */
  readonly replayMarks?: true;
}

/**
 * Write the flow's records to the S3 lake as gzip NDJSON, partitioned by record time, replay-safe.
 * @typeParam V - the value type of the flow's records: `timeField` must be a field of it
 * @example toS3({ bucket: lake, prefix: 'reviews/enriched', timeField: 'createdAt' })
 */
export const toS3 = <V = Loose>(options: S3OutputOptions<V>): DeclaredOutput<'s3', S3Resources, V> => {
  const opts = parseOptions(optionsSchema, options, 'toS3');
  if (opts.columns && opts.format !== 'parquet')
    throw new ConfigError('toS3.columns', "only with format: 'parquet'");
  if (opts.format === 'parquet' && opts.line && !opts.columns) {
    throw new ConfigError(
      'toS3.columns',
      'declare the Parquet columns of the rows your line function returns',
    );
  }
  const bucket = nameOf(opts.bucket);
  const name = `s3:${bucket}${opts.prefix ? `/${opts.prefix}` : ''}`;
  return {
    kind: 's3',
    name,
    ...whenOf(opts.when),
    resources: {
      bucketPrefix: opts.prefix,
      bucket,
      ...(opts.dropReplays ? { replayMarks: true as const } : {}),
    },
    create: () =>
      lazyOutput(name, async () => {
        const [{ s3Client }, { createLakeWriter }, { s3ReplayMarks }, { replayWindowOf }, parquet] =
          await Promise.all([
            import('../clients/s3.ts'),
            import('./lake-writer.ts'),
            import('./lake-replay-marks.ts'),
            import('./replay-guard.ts'),
            opts.format === 'parquet' ? import('./lake-parquet.ts') : undefined,
          ]);
        const client = await s3Client();
        const format = parquet?.parquetFormat(opts.columns ?? parquet.envelopeColumns);
        return createLakeWriter({
          ...limiterOf(opts.rateLimit),
          name,
          bucket,
          prefix: opts.prefix,
          ...(format ? { format } : {}),
          ...(opts.timeField ? { timeField: opts.timeField } : {}),
          maxObjectBytes: opts.maxObjectBytes,
          line: opts.line ?? envelopeLine,
          tombstones: opts.tombstones,
          concurrency: opts.concurrency,
          client: () => client,
          ...(opts.dropReplays
            ? {
                replayMarks: (flowName: string) =>
                  s3ReplayMarks({ bucket, prefix: opts.prefix, flowName, client: () => client }),
                replayWindow: replayWindowOf(opts.replayWindow),
              }
            : {}),
        });
      }),
  };
};
