import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/errors.ts';
import { s3ReplayMarks } from '../../../shared/outputs/lake-replay-marks.ts';
import { encodeReplayMarks } from '../../../shared/outputs/replay-marks-codec.ts';

const KEY = 'reviews/_sluice/replay-marks/lake-sink/reviews.enriched-0.bin';

/** An S3 error as the SDK throws it. */
const s3Error = (name: string, status: number) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

/**
 * A fake S3 client (no local server can refuse by IAM policy): GetObject and ListObjectsV2 answer as given, and
 * every command is recorded.
 */
const fakeS3 = (answers: { get: () => unknown; list?: () => unknown }) => {
  const commands: string[] = [];
  const send = async (command: { constructor: { name: string }; input: { Prefix?: string } }) => {
    commands.push(command.constructor.name);
    if (command.constructor.name === 'GetObjectCommand') return answers.get();
    if (command.constructor.name === 'ListObjectsV2Command' && answers.list) return answers.list();
    throw new Error(`unexpected ${command.constructor.name}`);
  };
  const store = s3ReplayMarks({
    bucket: 'lake',
    prefix: 'reviews',
    flowName: 'lake-sink',
    client: () => ({ send }) as never,
  });
  return { store, commands };
};

const fail = (error: unknown) => () => {
  throw error;
};

describe('reading replay marks from S3', () => {
  it('reads the marks it finds', async () => {
    // Prepare
    const marks = [{ path: 'reviews.enriched/0', origin: 3, digest: 9 }];
    const body = encodeReplayMarks(marks);
    const { store } = fakeS3({ get: () => ({ Body: { transformToByteArray: async () => body } }) });
    // Act + Assess
    await expect(store.read('reviews.enriched-0')).resolves.toEqual(marks);
  });

  it('takes 404 NoSuchKey as no marks yet, without listing', async () => {
    const { store, commands } = fakeS3({ get: fail(s3Error('NoSuchKey', 404)) });
    await expect(store.read('reviews.enriched-0')).resolves.toEqual([]);
    expect(commands).toEqual(['GetObjectCommand']);
  });

  it('takes 403 AccessDenied as no marks yet when listing the marks prefix shows the object is missing', async () => {
    // Prepare: a role without bucket-wide s3:ListBucket gets 403 for a missing key.
    const { store, commands } = fakeS3({
      get: fail(s3Error('AccessDenied', 403)),
      list: () => ({ Contents: [] }),
    });
    // Act
    const marks = await store.read('reviews.enriched-0');
    // Assess
    expect(marks).toEqual([]);
    expect(commands).toEqual(['GetObjectCommand', 'ListObjectsV2Command']);
  });

  it('fails loudly when the marks exist but may not be read', async () => {
    // Prepare
    const { store } = fakeS3({
      get: fail(s3Error('AccessDenied', 403)),
      list: () => ({ Contents: [{ Key: KEY }] }),
    });
    // Act
    const read = store.read('reviews.enriched-0');
    // Assess
    await expect(read).rejects.toBeInstanceOf(ConfigError);
    await expect(read).rejects.toMatchObject({
      retriable: false,
      path: `s3://lake/${KEY}`,
      message: expect.stringContaining('may not read them'),
    });
  });

  it('fails loudly when listing is denied too: a missing object cannot be told from a forbidden one', async () => {
    const { store } = fakeS3({
      get: fail(s3Error('AccessDenied', 403)),
      list: fail(s3Error('AccessDenied', 403)),
    });
    await expect(store.read('reviews.enriched-0')).rejects.toMatchObject({
      retriable: false,
      message: expect.stringContaining('s3:ListBucket'),
    });
  });

  it('passes other errors on (the lake writer retries them)', async () => {
    const { store } = fakeS3({ get: fail(s3Error('SlowDown', 503)) });
    await expect(store.read('reviews.enriched-0')).rejects.toMatchObject({ name: 'SlowDown' });
  });
});
