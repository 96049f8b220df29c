import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../shared/enrich/batch-get.ts';
import { type EnrichOptions, enrich } from '../../../shared/enrich/enrich.ts';
import { ConfigError, LookupError, RetriableError, Stage, StepError } from '../../../shared/errors.ts';
import { MetricName } from '../../../shared/metrics.ts';
import { defineTables } from '../../../shared/topology/resources.ts';
import { flowRecord, recordingMetrics, stepContext } from '../runtime/records.ts';
import { FakeDynamoDb } from './fake-dynamodb.ts';

const tables = defineTables({
  customers: { name: 'customers', partitionKey: 'customerId' },
  numbered: { name: 'numbered', partitionKey: { name: 'id', type: 'number' } },
});
const customers = Array.from({ length: 300 }, (_, i) => ({
  customerId: `c-${i}`,
  name: `Customer ${i}`,
  tier: i % 2 ? 'gold' : 'silver',
  secret: 'x',
}));

const setup = (options: Partial<EnrichOptions> = {}) => {
  const db = new FakeDynamoDb('customers', 'customerId', customers);
  const metrics = recordingMetrics();
  const step = enrich({ table: tables.customers, key: (v) => v.customerId, as: 'customer', ...options });
  const run = (ids: readonly unknown[]) =>
    step.run(
      ids.map((id, i) => flowRecord({ customerId: id, n: i }, i)),
      stepContext({ ports: { dynamodb: db }, metrics }),
    );
  return { db, metrics, step, run };
};

describe('enrich', () => {
  it('joins each record with its item, looking each distinct key up once', async () => {
    // Prepare
    const { db, run } = setup();
    // Act
    const result = await run(['c-1', 'c-2', 'c-1']);
    // Assess
    expect(result.records.map((r) => (r.value as { customer: { name: string } }).customer.name)).toEqual([
      'Customer 1',
      'Customer 2',
      'Customer 1',
    ]);
    expect(db.requests).toHaveLength(1);
    expect(db.requests[0]).toHaveLength(2);
  });

  it('splits more than 100 distinct keys into calls of at most 100, with bounded parallelism', async () => {
    // Prepare
    const { db, metrics, run } = setup({ maxParallelCalls: 2 });
    // Act
    const result = await run(customers.slice(0, 250).map((c) => c.customerId));
    // Assess
    expect(db.requests.map((keys) => keys.length)).toEqual([100, 100, 50]);
    expect(db.maxInFlight).toBeLessThanOrEqual(2);
    expect(result.records).toHaveLength(250);
    expect(metrics.counts.get(MetricName.LookupCalls)).toBe(3);
  });

  it('serves a second batch from the cache without calling DynamoDB', async () => {
    // Prepare
    const { db, metrics, run } = setup();
    await run(['c-1', 'c-2']);
    // Act
    const second = await run(['c-2', 'c-1']);
    // Assess
    expect(db.requests).toHaveLength(1);
    expect(second.records).toHaveLength(2);
    expect(metrics.counts.get(MetricName.CacheHits)).toBe(2);
    expect(metrics.counts.get(MetricName.CacheMisses)).toBe(2);
  });

  it('caches misses too (negative caching)', async () => {
    // Prepare
    const { db, run } = setup();
    await run(['nobody']);
    // Act
    const again = await run(['nobody']);
    // Assess
    expect(db.requests).toHaveLength(1);
    expect(again.records[0]?.value).toMatchObject({ customer: null });
  });

  it('left join: a miss passes with the target field null', async () => {
    const { run } = setup();
    const result = await run(['nobody']);
    expect(result.records[0]?.value).toEqual({ customerId: 'nobody', n: 0, customer: null });
  });

  it('inner join: a miss is dropped by default, or dead-lettered as a LookupError when configured', async () => {
    // Act
    const dropped = await setup({ join: 'inner' }).run(['nobody', 'c-1']);
    const dead = await setup({ join: 'inner', onMissing: 'deadLetter' }).run(['nobody', 'c-1']);
    // Assess
    expect(dropped.records).toHaveLength(1);
    expect(dropped.dropped).toBe(1);
    expect(dead.deadLetters[0]).toMatchObject({ stage: Stage.Enrich, component: 'enrich-customer' });
    expect(dead.deadLetters[0]?.error).toBeInstanceOf(LookupError);
    expect(dead.deadLetters[0]?.error.message).toBe(
      'enrich-customer: no item in table "customers" for key "nobody"',
    );
  });

  it('treats the marker a change stream leaves for a deleted row as missing, also when projecting', async () => {
    // Prepare: toTable({ cdc: 'debezium' }) keeps a deleted row's key and position with _sluice_deleted, and the
    // expiry DynamoDB's TTL removes it at (an expired marker may still be read: TTL deletes lag)
    const { db, run } = setup({ attributes: ['name'] });
    db.tables.get('customers')?.set('c-1', {
      customerId: 'c-1',
      _sluice_pos: '9',
      _sluice_deleted: true,
      _sluice_expires: 1_700_000_000,
    });
    // Act
    const result = await run(['c-1', 'c-2']);
    // Assess
    expect(result.records.map((r) => (r.value as { customer: unknown }).customer)).toEqual([
      null,
      { name: 'Customer 2' },
    ]);
  });

  it('projects the listed attributes only and shares one frozen item between records', async () => {
    // Prepare
    const { run } = setup({ attributes: ['name', 'tier'] });
    // Act
    const result = await run(['c-1', 'c-1']);
    // Assess
    const [a, b] = result.records.map((r) => (r.value as { customer: object }).customer);
    expect(a).toEqual({ name: 'Customer 1', tier: 'gold' });
    expect(a).toBe(b);
    expect(Object.isFrozen(a)).toBe(true);
  });

  it('dead-letters records whose key is missing, empty or not a string, and looks up the rest', async () => {
    // Prepare
    const { run } = setup();
    // Act
    const result = await run([undefined, '', 42, { id: 1 }, 'c-3']);
    // Assess
    expect(result.records.map((r) => r.source.offset)).toEqual([4]);
    expect(result.deadLetters.map((d) => [d.stage, d.error.message])).toEqual([
      [Stage.Enrich, 'key "customerId" for table "customers" is missing'],
      [Stage.Enrich, 'key "customerId" for table "customers" is empty'],
      [Stage.Enrich, 'key "customerId" for table "customers" is not a string (got number)'],
      [Stage.Enrich, 'key "customerId" for table "customers" is not a string (got object)'],
    ]);
    expect(result.deadLetters.every((d) => d.error instanceof LookupError)).toBe(true);
  });

  it('dead-letters a key longer than DynamoDB allows and a value that is not an object; passes tombstones', async () => {
    // Prepare
    const { db, step } = setup();
    const records = [
      flowRecord({ customerId: 'x'.repeat(3000) }, 0),
      flowRecord('text', 1),
      flowRecord(null, 2),
    ];
    // Act
    const result = await step.run(records, stepContext({ ports: { dynamodb: db } }));
    // Assess
    expect(result.deadLetters[0]?.error.message).toContain('longer than 2048 bytes');
    expect(result.deadLetters[1]?.error).toBeInstanceOf(StepError);
    expect(result.records.map((r) => r.value)).toEqual([null]);
    expect(db.requests).toHaveLength(0);
  });

  it('reads numeric keys of a number-typed table and rejects strings there', async () => {
    // Prepare
    const db = new FakeDynamoDb('numbered', 'id', [{ id: 7, label: 'seven' }]);
    const step = enrich({ table: tables.numbered, key: 'id', as: 'thing' });
    // Act
    const result = await step.run(
      [flowRecord({ id: 7 }, 0), flowRecord({ id: '7' }, 1)],
      stepContext({ ports: { dynamodb: db } }),
    );
    // Assess
    expect(result.records[0]?.value).toMatchObject({ thing: { label: 'seven' } });
    expect(result.deadLetters[0]?.error.message).toContain('is not a number');
  });

  it('retries UnprocessedKeys with backoff until they are read', async () => {
    // Prepare
    const { db, metrics, run } = setup({ retry: { baseDelayMs: 1, maxDelayMs: 2 } });
    db.unprocessed = [2, 1];
    // Act
    const result = await run(['c-1', 'c-2', 'c-3']);
    // Assess
    expect(db.requests.map((k) => k.length)).toEqual([3, 2, 1]);
    expect(result.records.every((r) => (r.value as { customer: unknown }).customer !== null)).toBe(true);
    expect(metrics.counts.get(MetricName.LookupCalls)).toBe(3);
  });

  it('gives up on keys that stay unprocessed with a RetriableError, so the batch is replayed', async () => {
    // Prepare
    const { db, run } = setup({ retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 } });
    db.unprocessed = [1, 1, 1, 1];
    // Act / Assess
    await expect(run(['c-1'])).rejects.toThrow(RetriableError);
    expect(db.requests).toHaveLength(3);
  });

  it('turns throttling and 5xx into RetriableErrors', async () => {
    for (const error of [
      Object.assign(new Error('slow down'), {
        name: 'ProvisionedThroughputExceededException',
        $metadata: { httpStatusCode: 400 },
      }),
      Object.assign(new Error('oops'), { name: 'InternalServerError', $metadata: { httpStatusCode: 500 } }),
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    ]) {
      const { db, run } = setup();
      db.failWith = error;
      await expect(run(['c-1'])).rejects.toBeInstanceOf(RetriableError);
    }
  });

  it('fails loudly with a ConfigError naming a table that does not exist', async () => {
    // Prepare
    const db = new FakeDynamoDb('other', 'customerId', []);
    const step = enrich({ table: tables.customers, key: 'customerId', as: 'customer' });
    // Act
    const run = step.run([flowRecord({ customerId: 'c-1' }, 0)], stepContext({ ports: { dynamodb: db } }));
    // Assess
    await expect(run).rejects.toBeInstanceOf(ConfigError);
    await expect(run).rejects.toThrow('DynamoDB table "customers" does not exist');
  });

  it('validates its options at load time', () => {
    expect(() => enrich({ table: tables.customers, key: 'customerId', as: 'c', onMissing: 'drop' })).toThrow(
      'enrich(customers).onMissing: applies to inner joins only',
    );
    expect(() =>
      enrich({ table: tables.customers, key: 'customerId', as: 'c', cache: { ttl: 5 } as never }),
    ).toThrow('enrich(customers).cache.ttl: unknown key');
    expect(() => enrich({ table: 'customers' as never, key: 'customerId', as: 'c' })).toThrow('enrich.table');
  });

  it('uses full-jitter exponential backoff bounded by the maximum delay', () => {
    const retry = { maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 50 };
    expect(backoffDelay(0, retry, () => 0.999)).toBe(9);
    expect(backoffDelay(3, retry, () => 0.999)).toBe(49);
    expect(backoffDelay(3, retry, () => 0)).toBe(0);
  });
});
