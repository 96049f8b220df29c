import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/errors.ts';
import { where } from '../../../shared/filter/where.ts';
import { toOpenSearch } from '../../../shared/outputs/opensearch.ts';
import { toS3 } from '../../../shared/outputs/s3.ts';
import { toTable } from '../../../shared/outputs/table.ts';
import { toTopic } from '../../../shared/outputs/topic.ts';

const configError = (act: () => unknown): ConfigError => {
  try {
    act();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('output factories', () => {
  it('reject unknown option keys with a ConfigError naming the output and the key', () => {
    // Act
    const error = configError(() => toTopic('reviews-clean', { compresion: 'gzip' } as never));
    // Assess
    expect(error.path).toBe('toTopic(reviews-clean)');
    expect(error.message).toContain('compresion');
  });

  it('name the full path of an invalid value', () => {
    const error = configError(() => toS3({ bucket: 'lake', maxObjectBytes: -1 }));
    expect(error.path).toBe('toS3.maxObjectBytes');
  });

  it('require a function where a function is expected', () => {
    const error = configError(() => toOpenSearch({ index: 'reviews', id: 'reviewId' as never }));
    expect(error.path).toBe('toOpenSearch.id');
    expect(error.message).toContain('function');
  });

  it('require SCRAM auth to name its secret by ARN', () => {
    const error = configError(() =>
      toTopic('t', { auth: { mode: 'scram-sha-512', secretArn: 'my-secret' } }),
    );
    expect(error.path).toBe('toTopic(t).auth.secretArn');
  });

  it('require the key attributes of a table loader', () => {
    const error = configError(() => toTable('customers'));
    expect(error.path).toBe('toTable(customers).key');
  });

  it('require keyOf for tombstone deletes on a table with a sort key', () => {
    const error = configError(() => toTable('orders', { key: { partition: 'customerId', sort: 'orderId' } }));
    expect(error.path).toBe('toTable(orders).keyOf');
  });

  it('describe the resources the CDK app grants, and take declared resources by name', () => {
    // Prepare
    const when = where({ rating: { lte: 2 } });
    // Act
    const topic = toTopic({ name: 'reviews-alerts' }, { when });
    const lake = toS3({ bucket: { name: 'lake' }, prefix: 'raw/reviews' });
    const search = toOpenSearch({ index: 'reviews' });
    const table = toTable({
      kind: 'table',
      name: 'customers',
      partitionKey: { name: 'customerId', type: 'string' },
    });
    // Assess
    expect(topic).toMatchObject({
      kind: 'topic',
      name: 'topic:reviews-alerts',
      resources: { topics: ['reviews-alerts'] },
    });
    expect(topic.when).toBe(when);
    expect(lake).toMatchObject({ kind: 's3', resources: { bucket: 'lake', bucketPrefix: 'raw/reviews' } });
    expect(search).toMatchObject({ kind: 'opensearch', resources: { index: 'reviews' } });
    expect(table).toMatchObject({ kind: 'table', resources: { tables: ['customers'] } });
  });

  it('create outputs without loading any client until the first write', () => {
    // Act
    const output = toS3({ bucket: 'lake' }).create();
    // Assess
    expect(output.name).toBe('s3:lake');
    expect(typeof output.write).toBe('function');
  });
});
