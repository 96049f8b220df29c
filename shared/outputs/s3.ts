import { z } from 'zod';
import type { FlowRecord } from '../record.ts';
import { type DeclaredOutput, lazyOutput, whenOf } from './declared.ts';
import { envelopeLine } from './lake-objects.ts';
import { fn, nameOf, parseOptions, resourceName } from './options.ts';

const optionsSchema = z.strictObject({
  /** The lake bucket (name or declared bucket). */
  bucket: resourceName,
  /** Key prefix, e.g. 'raw/reviews'; no leading or trailing slash. */
  prefix: z
    .string()
    .regex(
      /^(?:[a-zA-Z0-9!_.*'()-]+(?:\/[a-zA-Z0-9!_.*'()=-]+)*)?$/,
      'a key prefix without leading/trailing slash',
    )
    .default(''),
  when: z.unknown().optional(),
  /** Dotted path of the value field giving event time; the record timestamp when unset (never wall clock). */
  timeField: z.string().min(1).optional(),
  format: z.literal('ndjson').default('ndjson'),
  /** The JSON line for one record; by default the value with topic, partition, offset, timestamp, key. */
  line: fn<(record: FlowRecord) => unknown>().optional(),
  /** Uncompressed bytes per object before a deterministic split. */
  maxObjectBytes: z
    .number()
    .int()
    .min(1024)
    .default(64 * 1024 * 1024),
  tombstones: z.enum(['keep', 'skip']).default('keep'),
  concurrency: z.number().int().min(1).max(64).default(8),
});

export type S3OutputOptions = z.input<typeof optionsSchema>;
export interface S3Resources {
  /** Objects are written under `<bucketPrefix>/…` only ('' = the whole bucket). */
  readonly bucketPrefix: string;
  readonly bucket: string;
}

/** Write the flow's records to the S3 lake as gzip NDJSON, partitioned by record time, replay-safe. */
export const toS3 = (options: S3OutputOptions): DeclaredOutput<'s3', S3Resources> => {
  const opts = parseOptions(optionsSchema, options, 'toS3');
  const bucket = nameOf(opts.bucket);
  const name = `s3:${bucket}${opts.prefix ? `/${opts.prefix}` : ''}`;
  return {
    kind: 's3',
    name,
    ...whenOf(opts.when),
    resources: { bucketPrefix: opts.prefix, bucket },
    create: () =>
      lazyOutput(name, async () => {
        const [{ s3Client }, { createLakeWriter }] = await Promise.all([
          import('../clients/s3.ts'),
          import('./lake-writer.ts'),
        ]);
        return createLakeWriter({
          name,
          bucket,
          prefix: opts.prefix,
          ...(opts.timeField ? { timeField: opts.timeField } : {}),
          maxObjectBytes: opts.maxObjectBytes,
          line: opts.line ?? envelopeLine,
          tombstones: opts.tombstones,
          concurrency: opts.concurrency,
          client: s3Client,
        });
      }),
  };
};
