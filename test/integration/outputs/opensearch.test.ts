import { Client } from '@opensearch-project/opensearch';
import { afterAll, describe, expect, it } from 'vitest';
import { RecordRejectedError, RetriableError } from '../../../shared/errors.ts';
import { toOpenSearch } from '../../../shared/outputs/opensearch.ts';
import type { FlowRecord } from '../../../shared/record.ts';
import { endpoints, uniqueName } from '../../support/endpoints.ts';
import { flowRecord } from '../../unit/outputs/records.ts';
import { useLocalServers } from './support.ts';

useLocalServers();
const search = new Client({ node: endpoints().opensearch.endpoint });

const mappings = {
  properties: { reviewId: { type: 'keyword' }, rating: { type: 'integer' }, text: { type: 'text' } },
};
const review = (offset: number, reviewId: string, rating: unknown = 4): FlowRecord =>
  flowRecord({
    topic: 'reviews',
    offset,
    key: reviewId,
    value: { reviewId, rating, text: `review ${offset}` },
  });
const reviews = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => review(from + i, `r${(from + i) % 40}`));

/** Every document of an index: id → source. */
const documents = async (index: string): Promise<Map<string, unknown>> => {
  await search.indices.refresh({ index });
  const found = await search.search({ index, body: { size: 1000, query: { match_all: {} } } });
  return new Map(found.body.hits.hits.map((hit) => [hit._id ?? '', hit._source]));
};

const output = (index: string) =>
  toOpenSearch({ index, mappings, id: (r) => r.key ?? '', retryBudgetMs: 5_000 }).create();

describe('the OpenSearch output on a real server', () => {
  afterAll(() => search.close());

  it('creates the index with the declared mapping and indexes documents by business key', async () => {
    // Prepare
    const index = uniqueName('reviews');
    // Act
    const result = await output(index).write(reviews(0, 10), { flowName: 'index-reviews' });
    // Assess
    expect(result).toEqual({ written: 10, deadLetters: [] });
    const mapping = await search.indices.getMapping({ index });
    expect(mapping.body[index]?.mappings).toEqual(mappings);
    expect((await documents(index)).get('r3')).toEqual({ reviewId: 'r3', rating: 4, text: 'review 3' });
  });

  it('deletes the document of a tombstone', async () => {
    const index = uniqueName('reviews');
    const writer = output(index);
    await writer.write(reviews(0, 3), { flowName: 'f' });
    await writer.write([flowRecord({ offset: 3, key: 'r1', value: null })], { flowName: 'f' });
    expect([...(await documents(index)).keys()].sort()).toEqual(['r0', 'r2']);
  });

  it('ends with the same documents when a batch is written twice or a superset is written from its first offset', async () => {
    // Prepare: the reference is a single run of the superset (ids repeat: r0..r39, so later offsets win)
    const single = uniqueName('reviews');
    const replayed = uniqueName('reviews');
    await output(single).write(reviews(0, 90), { flowName: 'f' });
    // Act
    const writer = output(replayed);
    await writer.write(reviews(0, 60), { flowName: 'f' });
    await writer.write(reviews(0, 60), { flowName: 'f' });
    await writer.write(reviews(0, 90), { flowName: 'f' });
    // Assess
    const expected = await documents(single);
    expect(expected.size).toBe(40);
    expect(await documents(replayed)).toEqual(expected);
  });

  it('dead-letters a document that conflicts with the mapping, with the item error, and indexes the rest', async () => {
    // Prepare
    const index = uniqueName('reviews');
    const bad = review(5, 'r5', 'five stars');
    const records = [...reviews(0, 5), bad, ...reviews(6, 4)];
    // Act
    const result = await output(index).write(records, { flowName: 'f' });
    // Assess
    expect(result.written).toBe(9);
    expect(result.deadLetters).toHaveLength(1);
    expect(result.deadLetters[0]?.record).toBe(bad);
    expect(result.deadLetters[0]?.error).toBeInstanceOf(RecordRejectedError);
    expect(result.deadLetters[0]?.error.message).toMatch(/mapper_parsing_exception.*rating/);
    expect([...(await documents(index)).keys()].sort()).toEqual([
      'r0',
      'r1',
      'r2',
      'r3',
      'r4',
      'r6',
      'r7',
      'r8',
      'r9',
    ]);
  });

  it('creates a deleted index again with its declared mapping at the next batch, and writes every document', async () => {
    // Prepare
    const index = uniqueName('reviews');
    const writer = output(index);
    await writer.write(reviews(0, 5), { flowName: 'f' });
    await search.indices.delete({ index });
    // Act
    const result = await writer.write(reviews(5, 5), { flowName: 'f' });
    // Assess: the declared mapping, not one guessed by auto-creation from the documents
    expect(result).toEqual({ written: 5, deadLetters: [] });
    const mapping = await search.indices.getMapping({ index });
    expect(mapping.body[index]?.mappings).toEqual(mappings);
    expect([...(await documents(index)).keys()].sort()).toEqual(['r5', 'r6', 'r7', 'r8', 'r9']);
  });

  it('fails the batch, retriable, when the index is read-only, and dead-letters nothing', async () => {
    // Prepare
    const index = uniqueName('reviews');
    const writer = output(index);
    await writer.write(reviews(0, 2), { flowName: 'f' });
    await search.indices.putSettings({ index, body: { 'index.blocks.write': true } });
    try {
      // Act
      const written = writer.write(reviews(2, 5), { flowName: 'f' });
      // Assess
      await expect(written).rejects.toBeInstanceOf(RetriableError);
      await expect(written).rejects.toThrow(/cluster_block_exception/);
    } finally {
      await search.indices.putSettings({ index, body: { 'index.blocks.write': false } });
    }
    // Once the block is lifted, the replayed batch writes everything.
    expect(await writer.write(reviews(2, 5), { flowName: 'f' })).toEqual({ written: 5, deadLetters: [] });
  });

  it('writes through a server that, like the deployed domain, refuses bulk lines naming an index', async () => {
    // Prepare
    const index = uniqueName('reviews');
    // Act
    const result = await output(index).write(reviews(0, 3), { flowName: 'f' });
    const explicit = search.bulk({ index, body: [{ index: { _index: 'elsewhere', _id: 'x' } }, { n: 1 }] });
    // Assess
    expect(result).toEqual({ written: 3, deadLetters: [] });
    await expect(explicit).rejects.toThrow(/explicit index in bulk is not allowed/);
  });
});
