import type { PutObjectCommandInput, S3Client } from '@aws-sdk/client-s3';
import { RetriableError } from '../errors.ts';
import {
  type LakeFormat,
  type LakeObject,
  type LakePlanOptions,
  ndjsonGzip,
  planLakeObjects,
} from './lake-objects.ts';
import type { Output } from './output.ts';

export interface LakeWriterDeps extends LakePlanOptions {
  readonly bucket: string;
  readonly client: () => Pick<S3Client, 'send'>;
  /** Objects put at the same time. */
  readonly concurrency: number;
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

/** Writes a batch as gzip NDJSON objects whose keys and bytes depend only on the records. */
export const createLakeWriter = (deps: LakeWriterDeps): Output => ({
  name: deps.name,
  async write(records) {
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    const { objects, deadLetters } = planLakeObjects(records, deps);
    const queue = [...objects];
    const failures: unknown[] = [];
    const worker = async () => {
      for (let object = queue.shift(); object; object = queue.shift()) {
        try {
          await deps.client().send(new PutObjectCommand(putObjectInput(deps.bucket, object, deps.format)));
        } catch (error) {
          failures.push(error);
          queue.length = 0;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(deps.concurrency, objects.length) }, worker));
    if (failures.length > 0) {
      const first = failures[0];
      const detail = first instanceof Error ? `${first.name}: ${first.message}` : String(first);
      throw new RetriableError(`s3 put to ${deps.bucket} failed: ${detail}`, { cause: first });
    }
    return { written: objects.reduce((n, o) => n + o.records.length, 0), deadLetters };
  },
});
