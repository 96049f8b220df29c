import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';

/** One stored failed-batch object: where it is and its text. */
export interface StoredObject {
  readonly name: string;
  readonly body: string;
}

/** Every object under `s3://bucket/prefix` (the on-failure destination writes one per failed batch). */
export async function* s3Objects(s3: S3Client, bucket: string, prefix: string): AsyncGenerator<StoredObject> {
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
    for (const { Key } of page.Contents ?? []) {
      if (!Key || Key.endsWith('/')) continue;
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
      yield { name: `s3://${bucket}/${Key}`, body: (await object.Body?.transformToString('utf8')) ?? '' };
    }
  }
}

/** Every `.json` file under a folder (the emulator's `.local/on-failure/...`), in name order. */
export async function* folderObjects(path: string): AsyncGenerator<StoredObject> {
  const entries = await readdir(path, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && e.name.endsWith('.json'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
  for (const file of files) yield { name: file, body: await readFile(file, 'utf8') };
}
