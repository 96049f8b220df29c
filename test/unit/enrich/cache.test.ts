import { describe, expect, it } from 'vitest';
import { LookupCache, MISSING } from '../../../shared/enrich/cache.ts';
import { defaultCacheBytes, enrich } from '../../../shared/enrich/enrich.ts';
import { estimateBytes } from '../../../shared/enrich/item-bytes.ts';
import { defineTables } from '../../../shared/topology/resources.ts';
import { flowRecord, recordingMetrics, stepContext } from '../runtime/records.ts';
import { FakeDynamoDb } from './fake-dynamodb.ts';

const MiB = 2 ** 20;
const cacheOf = (maxBytes: number) =>
  new LookupCache({ maxEntries: 50_000, maxBytes, ttlMs: 60_000, negativeTtlMs: 60_000 });
const bigItem = (i: number, chars: number) => Object.freeze({ id: `k-${i}`, blob: 'x'.repeat(chars) });

describe('the lookup cache bounded by bytes', () => {
  it('keeps what it holds within its byte budget when filled with large items, evicting the oldest', () => {
    // Prepare: 1,000 items of ~200 KB (200 MB if only the entry count bounded them)
    const cache = cacheOf(MiB);
    // Act
    for (let i = 0; i < 1_000; i++) cache.setFound(`k-${i}`, bigItem(i, 100_000));
    // Assess
    expect(cache.bytes).toBeLessThanOrEqual(MiB);
    expect(cache.bytes).toBeGreaterThan(MiB / 2);
    expect(cache.size).toBeLessThanOrEqual(5);
    expect(cache.get('k-999')).toBeDefined();
    expect(cache.get('k-0')).toBeUndefined();
  });

  it('does not cache an item larger than the whole budget, and keeps what it had', () => {
    // Prepare
    const cache = cacheOf(MiB);
    cache.setFound('small', bigItem(0, 10));
    // Act
    cache.setFound('huge', bigItem(1, MiB));
    // Assess
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.get('small')).toBeDefined();
    expect(cache.bytes).toBeLessThanOrEqual(MiB);
  });

  it('counts keys too: remembered misses with 2 KB keys stay within the budget', () => {
    // Prepare
    const cache = cacheOf(MiB);
    // Act
    for (let i = 0; i < 10_000; i++) cache.setMissing(`${i}-${'k'.repeat(2_000)}`);
    // Assess
    expect(cache.bytes).toBeLessThanOrEqual(MiB);
    expect(cache.size).toBeLessThan(300);
    expect(cache.get(`9999-${'k'.repeat(2_000)}`)).toBe(MISSING);
  });

  it('estimates an item at no less than the UTF-16 bytes of its strings', () => {
    // Prepare
    const item = {
      name: 'é'.repeat(1_000),
      tags: new Set(['a', 'b']),
      photo: new Uint8Array(5_000),
      nested: { list: [1, 'two', { three: null }] },
    };
    // Act
    const bytes = estimateBytes(item);
    // Assess
    expect(bytes).toBeGreaterThan(2 * 1_000 + 5_000);
    expect(estimateBytes('x'.repeat(100_000))).toBeGreaterThanOrEqual(200_000);
  });

  it('defaults to a tenth of the function memory', () => {
    // Act / Assess
    expect(defaultCacheBytes('1024')).toBe(Math.floor((1024 * MiB) / 10));
    expect(defaultCacheBytes('128')).toBe(Math.floor((128 * MiB) / 10));
    expect(defaultCacheBytes(undefined)).toBe(Math.floor((512 * MiB) / 10));
  });

  it('makes an enrich step look items up again once they no longer fit its byte budget', async () => {
    // Prepare: 20 customers of ~200 KB each, a 1 MiB cache
    const tables = defineTables({ customers: { name: 'customers', partitionKey: 'customerId' } });
    const customers = Array.from({ length: 20 }, (_, i) => ({
      customerId: `c-${i}`,
      bio: 'b'.repeat(100_000),
    }));
    const db = new FakeDynamoDb('customers', 'customerId', customers);
    const step = enrich({
      table: tables.customers,
      key: 'customerId',
      as: 'customer',
      cache: { maxBytes: MiB },
    });
    const run = (ids: readonly string[]) =>
      step.run(
        ids.map((id, i) => flowRecord({ customerId: id }, i)),
        stepContext({ ports: { dynamodb: db }, metrics: recordingMetrics() }),
      );
    await run(customers.map((c) => c.customerId));
    const callsAfterFirst = db.requests.length;
    // Act: the last one fits and is cached; the first was evicted
    await run(['c-19']);
    const afterRecent = db.requests.length;
    await run(['c-0']);
    // Assess
    expect(afterRecent).toBe(callsAfterFirst);
    expect(db.requests.length).toBe(callsAfterFirst + 1);
  });

  it('rejects a byte budget below 64 KiB at load time, naming the option', () => {
    const tables = defineTables({ customers: { name: 'customers', partitionKey: 'customerId' } });
    expect(() =>
      enrich({ table: tables.customers, key: 'customerId', as: 'c', cache: { maxBytes: 1_000 } }),
    ).toThrow('enrich(customers).cache.maxBytes');
  });
});
