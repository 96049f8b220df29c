import type { PutObjectCommandInput, S3Client } from '@aws-sdk/client-s3';
import { ConfigError, RetriableError } from '../errors.ts';
import { type FlowRecord, partitionId } from '../record.ts';
import {
  type LakeFormat,
  type LakeObject,
  type LakePlanOptions,
  ndjsonGzip,
  planLakeObjects,
} from './lake-objects.ts';
import type { DeadLetter, Output } from './output.ts';
import { type RateLimiter, waitDeadline } from './rate-limit.ts';
import { dropReplays, type ReplayMarkStore, type ReplayMarks, type ReplayWindow } from './replay-guard.ts';

export interface LakeWriterDeps extends LakePlanOptions {
  /** Taken from before each request (rate-limit.ts); none when the output has no `rateLimit`. */
  readonly limiter?: RateLimiter;
  readonly bucket: string;
  readonly client: () => Pick<S3Client, 'send'>;
  /** Objects put at the same time. */
  readonly concurrency: number;
  /**
   * Where the writer remembers how far each lineage path has got, to drop copies an upstream replay produced
   * (see replay-guard.ts); undefined writes every record it is given.
   */
  readonly replayMarks?: (flowName: string) => ReplayMarkStore;
  /** How many written records the replay marks remember per source partition (replay-guard.ts). */
  readonly replayWindow?: ReplayWindow;
}

export const putObjectInput = (
  bucket: string,
  object: LakeObject,
  format: LakeFormat = ndjsonGzip,
): PutObjectCommandInput => ({
  Bucket: bucket,
  Key: object.key,
  Body: object.body,
  ContentType: format.contentType,
  ...(format.contentEncoding ? { ContentEncoding: format.contentEncoding } : {}),
  ContentLength: object.body.length,
});

/** A failed S3 call as a RetriableError: the mapping retries the batch. */
const retriable = (what: string, error: unknown): RetriableError =>
  new RetriableError(
    `${what}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    {
      cause: error,
    },
  );

/** Writes a batch as gzip NDJSON objects whose keys and bytes depend only on the records. */
export const createLakeWriter = (deps: LakeWriterDeps): Output => ({
  name: deps.name,
  async write(batch, context) {
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    const store = deps.replayMarks?.(context.flowName);
    const guarded = store
      ? await withoutReplays(batch, store, deps.bucket, {
          trusted: context.trustsLineage ?? false,
          ...(deps.replayWindow ? { window: deps.replayWindow } : {}),
        })
      : undefined;
    const records = guarded ? guarded.kept : batch;
    const { objects, deadLetters } = planLakeObjects(records, deps);
    const marks = guarded ? guarded.marksAfter(deadLetters) : undefined;
    const queue = [...objects];
    const deadline = waitDeadline(context.deadlineMs);
    const failures: unknown[] = [];
    const worker = async () => {
      for (let object = queue.shift(); object; object = queue.shift()) {
        try {
          await deps.limiter?.acquire(object.records.length, deadline);
          await deps.client().send(new PutObjectCommand(putObjectInput(deps.bucket, object, deps.format)));
        } catch (error) {
          failures.push(error);
          queue.length = 0;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(deps.concurrency, objects.length) }, worker));
    if (failures.length > 0) {
      throw retriable(`s3 put to ${deps.bucket} failed`, failures[0]);
    }
    // Only once the objects are in: a failure before this point replays the batch into the same keys.
    if (store && marks) await saveMarks(store, marks, deps.bucket);
    return {
      written: objects.reduce((n, o) => n + o.records.length, 0),
      deadLetters,
      ...(guarded ? { replayed: guarded.replayed, replayUnsure: guarded.unsure } : {}),
    };
  },
});

/** Each source partition's records filtered against that partition's marks (read in parallel). */
const withoutReplays = async (
  records: readonly FlowRecord[],
  store: ReplayMarkStore,
  bucket: string,
  options: Parameters<typeof dropReplays>[2],
) => {
  const byPartition = new Map<string, FlowRecord[]>();
  for (const record of records) {
    const id = partitionId(record.source);
    const list = byPartition.get(id);
    if (list) list.push(record);
    else byPartition.set(id, [record]);
  }
  const results = await Promise.all(
    [...byPartition].map(async ([id, list]) => {
      const before = await store.read(id).catch((error) => {
        // A ConfigError (the role cannot read marks that exist) fails loudly as it is.
        throw error instanceof ConfigError
          ? error
          : retriable(`reading replay marks from ${bucket} failed`, error);
      });
      return { id, ...dropReplays(list, before, options) };
    }),
  );
  const kept: FlowRecord[] = [];
  let replayed = 0;
  let unsure = 0;
  for (const result of results) {
    for (const r of result.kept) kept.push(r);
    replayed += result.replayed;
    unsure += result.unsure;
  }
  /** Each partition's marks once its kept records, but for those the planner dead-lettered, are written. */
  const marksAfter = (deadLetters: readonly DeadLetter[]): Map<string, ReplayMarks> => {
    const notWritten = new Set(deadLetters.map((d) => d.record.source));
    const marks = new Map<string, ReplayMarks>();
    for (const result of results) {
      if (result.kept.length === 0) continue;
      marks.set(result.id, notWritten.size === 0 ? result.marks : result.marksWithout(notWritten));
    }
    return marks;
  };
  return { kept, replayed, unsure, marksAfter };
};

const saveMarks = (store: ReplayMarkStore, marks: ReadonlyMap<string, ReplayMarks>, bucket: string) =>
  Promise.all(
    [...marks].map(([id, m]) =>
      store.write(id, m).catch((error) => {
        throw retriable(`writing replay marks to ${bucket} failed`, error);
      }),
    ),
  );
