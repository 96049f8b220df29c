import type { S3Client } from '@aws-sdk/client-s3';
import { ConfigError } from '../errors.ts';
import type { ReplayMarkStore } from './replay-guard.ts';
import { decodeReplayMarks, encodeReplayMarks } from './replay-marks-codec.ts';

/** Marks live beside the data, under `_sluice/`: Athena, Glue and Spark skip paths that start with `_`. */
const MARKS_DIR = '_sluice/replay-marks';

/** Where one flow's marks live under a lake prefix (no trailing slash): what its grant is scoped to. */
export const replayMarksPrefix = (prefix: string, flowName: string): string =>
  `${prefix ? `${prefix}/` : ''}${MARKS_DIR}/${flowName}`;

export const replayMarksKey = (prefix: string, flowName: string, partition: string): string =>
  `${replayMarksPrefix(prefix, flowName)}/${partition}.bin`;

/** True for a replay-marks object, which readers of the lake's data skip. */
export const isReplayMarksKey = (key: string): boolean =>
  key.startsWith(`${MARKS_DIR}/`) || key.includes(`/${MARKS_DIR}/`);

const isAccessDenied = (error: unknown): boolean =>
  (error as { name?: string }).name === 'AccessDenied' ||
  (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 403;

/**
 * A sink's replay marks as small binary objects in the lake bucket (replay-marks-codec.ts; S3 reads are strongly
 * consistent). A missing object means no marks. S3 answers GetObject of a missing key with 404 NoSuchKey only
 * when the caller may list the bucket; the deployed role may list only its marks prefix, which does not apply to
 * a GetObject, so a missing key comes back 403 AccessDenied. A 403 is therefore settled by listing the key: absent
 * → no marks yet; present, or the listing denied too → a genuine permission problem, which fails the batch
 * loudly (a ConfigError) rather than writing on without marks.
 */
export const s3ReplayMarks = (deps: {
  readonly bucket: string;
  readonly prefix: string;
  readonly flowName: string;
  readonly client: () => Pick<S3Client, 'send'>;
}): ReplayMarkStore => {
  const exists = async (Key: string): Promise<boolean> => {
    const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    const listed = await deps
      .client()
      .send(new ListObjectsV2Command({ Bucket: deps.bucket, Prefix: Key, MaxKeys: 1 }))
      .catch((error: unknown) => {
        throw new ConfigError(
          `s3://${deps.bucket}/${Key}`,
          `reading the replay marks was denied, and listing them too (${errorName(error)}): the function's role needs s3:GetObject and s3:ListBucket on ${replayMarksPrefix(deps.prefix, deps.flowName)}/`,
        );
      });
    return (listed.Contents ?? []).some((object) => object.Key === Key);
  };
  return {
    async read(partition) {
      const { GetObjectCommand } = await import('@aws-sdk/client-s3');
      const Key = replayMarksKey(deps.prefix, deps.flowName, partition);
      try {
        const response = await deps.client().send(new GetObjectCommand({ Bucket: deps.bucket, Key }));
        return decodeReplayMarks((await response.Body?.transformToByteArray()) ?? new Uint8Array());
      } catch (error) {
        if ((error as { name?: string }).name === 'NoSuchKey') return [];
        if (isAccessDenied(error)) {
          if (!(await exists(Key))) return [];
          throw new ConfigError(
            `s3://${deps.bucket}/${Key}`,
            "the replay marks exist but the function's role may not read them (s3:GetObject, or kms:Decrypt on the bucket key)",
          );
        }
        throw error;
      }
    },
    async write(partition, marks) {
      const { PutObjectCommand } = await import('@aws-sdk/client-s3');
      await deps.client().send(
        new PutObjectCommand({
          Bucket: deps.bucket,
          Key: replayMarksKey(deps.prefix, deps.flowName, partition),
          Body: encodeReplayMarks(marks),
          ContentType: 'application/octet-stream',
        }),
      );
    },
  };
};

const errorName = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);
