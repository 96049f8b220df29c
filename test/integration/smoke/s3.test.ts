import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { endpoints, localAws, uniqueName } from '../../support/endpoints.ts';

describe('the local S3-compatible server', () => {
  const client = new S3Client({ ...localAws(endpoints().s3.endpoint), forcePathStyle: true });
  afterAll(() => client.destroy());

  it('stores, lists, returns with the SDK default CRC32 checksum and deletes objects', async () => {
    // Prepare
    const bucket = uniqueName('smoke-lake');
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    const body = Buffer.from('{"id":1}\n{"id":2}\n');

    // Act
    const put = await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'topic=reviews/part-0.json', Body: body }),
    );
    const got = await client.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'topic=reviews/part-0.json', ChecksumMode: 'ENABLED' }),
    );
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'topic=reviews/' }));
    await client.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: [{ Key: 'topic=reviews/part-0.json' }] },
      }),
    );
    const afterDelete = await client.send(new ListObjectsV2Command({ Bucket: bucket }));

    // Assess
    expect(put.ChecksumCRC32).toBeDefined();
    expect(got.ChecksumCRC32).toBe(put.ChecksumCRC32);
    expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(body);
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['topic=reviews/part-0.json']);
    expect(afterDelete.KeyCount).toBe(0);
  });
});
