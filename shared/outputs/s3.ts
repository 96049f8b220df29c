import * as z from 'zod/mini';
import { ConfigError } from '../errors.ts';
import type { FlowRecord } from '../record.ts';
import { type DeclaredOutput, lazyOutput, whenOf } from './declared.ts';
import { envelopeLine } from './lake-objects.ts';
import { fn, int, nameOf, oneOf, parseOptions, resourceName, text } from './options.ts';

const optionsSchema = z.strictObject({
  /** The lake bucket (name or declared bucket). */
  bucket: resourceName,
  /** Key prefix, e.g. 'raw/reviews'; no leading or trailing slash. */
  prefix: z._default(
    z.string().check(
      z.regex(/^(?:[a-zA-Z0-9!_.*'()-]+(?:\/[a-zA-Z0-9!_.*'()=-]+)*)?$/, {
        error: 'must be a key prefix without leading or trailing slash',
      }),
    ),
    '',
  ),
  when: z.optional(z.unknown()),
  /** Dotted path of the value field giving event time; the record timestamp when unset (never wall clock). */
  timeField: z.optional(text()),
  /** gzip NDJSON, or Parquet (hyparquet-writer) with `columns` naming the row fields and their types. */
  format: z._default(oneOf(['ndjson', 'parquet']), 'ndjson'),
  /** Parquet columns, read by name from each row; default the envelope's (value and headers as JSON). */
  columns: z.optional(
    z.record(z.string(), oneOf(['STRING', 'JSON', 'BOOLEAN', 'INT32', 'INT64', 'DOUBLE', 'TIMESTAMP'])),
  ),
  /** The JSON line for one record; by default the value with topic, partition, offset, timestamp, key. */
  line: z.optional(fn<(record: FlowRecord) => unknown>()),
  /** Uncompressed bytes per object before a deterministic split. */
  maxObjectBytes: z._default(int(1024), 64 * 1024 * 1024),
  tombstones: z._default(oneOf(['keep', 'skip']), 'keep'),
  concurrency: z._default(int(1, 64), 8),
  /**
   * Leave out copies of records this sink already wrote, which an upstream flow's replay produced at new
   * offsets (recognised by their lineage headers; marks kept under `<prefix>/_sluice/`). Default on.
   */
  dropReplays: z._default(z.boolean(), true),
  /**
   * With `dropReplays`: how many written records the marks remember per source partition. A copy that arrives
   * later than this many records after its original is written again (counted as RecordsReplayUnsure); the
   * marks take about 6 bytes a record (at most 10).
   * @default 2048
   */
  replayWindow: z._default(int(64, 65_536), 2048),
});

export type S3OutputOptions = z.input<typeof optionsSchema>;
export interface S3Resources {
  /** Objects are written under `<bucketPrefix>/…` only ('' = the whole bucket). */
  readonly bucketPrefix: string;
  readonly bucket: string;
  /** Set when the output drops replayed copies: its flow also reads `<bucketPrefix>/_sluice/replay-marks/<flow>/…`. */
  readonly replayMarks?: true;
}

/** Write the flow's records to the S3 lake as gzip NDJSON, partitioned by record time, replay-safe. */
export const toS3 = (options: S3OutputOptions): DeclaredOutput<'s3', S3Resources> => {
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
