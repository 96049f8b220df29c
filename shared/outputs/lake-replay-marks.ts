import type { S3Client } from '@aws-sdk/client-s3';
import type { ReplayMarkStore, ReplayMarks } from './replay-guard.ts';

/** Marks live beside the data, under `_sluice/`: Athena, Glue and Spark skip paths that start with `_`. */
const MARKS_DIR = '_sluice/replay-marks';

/** Where one flow's marks live under a lake prefix (no trailing slash): what its grant is scoped to. */
export const replayMarksPrefix = (prefix: string, flowName: string): string =>
  `${prefix ? `${prefix}/` : ''}${MARKS_DIR}/${flowName}`;

export const replayMarksKey = (prefix: string, flowName: string, partition: string): string =>
  `${replayMarksPrefix(prefix, flowName)}/${partition}.json`;

/** True for a replay-marks object, which readers of the lake's data skip. */
export const isReplayMarksKey = (key: string): boolean =>
  key.startsWith(`${MARKS_DIR}/`) || key.includes(`/${MARKS_DIR}/`);

/** A sink's replay marks as small JSON objects in the lake bucket (S3 reads are strongly consistent). */
export const s3ReplayMarks = (deps: {
  readonly bucket: string;
  readonly prefix: string;
  readonly flowName: string;
  readonly client: () => Pick<S3Client, 'send'>;
}): ReplayMarkStore => ({
  async read(partition) {
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    const Key = replayMarksKey(deps.prefix, deps.flowName, partition);
    try {
      const response = await deps.client().send(new GetObjectCommand({ Bucket: deps.bucket, Key }));
      const text = (await response.Body?.transformToString('utf8')) ?? '{}';
      return JSON.parse(text) as ReplayMarks;
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return {};
      throw error;
    }
  },
  async write(partition, marks) {
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    const body = JSON.stringify(marks);
    await deps.client().send(
      new PutObjectCommand({
        Bucket: deps.bucket,
        Key: replayMarksKey(deps.prefix, deps.flowName, partition),
        Body: body,
        ContentType: 'application/json',
      }),
    );
  },
});
