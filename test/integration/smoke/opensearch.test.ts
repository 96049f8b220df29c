import { Client } from '@opensearch-project/opensearch';
import { afterAll, describe, expect, it } from 'vitest';
import { endpoints, uniqueName } from '../../support/endpoints.ts';

describe('the local OpenSearch server', () => {
  const client = new Client({ node: endpoints().opensearch.endpoint });
  afterAll(() => client.close());

  it('indexes documents with _bulk and finds them with _search', async () => {
    // Prepare
    const index = uniqueName('smoke-reviews');
    const docs = [
      { id: 'r1', text: 'great blender, works well', rating: 5 },
      { id: 'r2', text: 'broken on arrival', rating: 1 },
      { id: 'r3', text: 'works as described', rating: 4 },
    ];

    // Act
    const bulk = await client.bulk({
      index,
      refresh: true,
      body: docs.flatMap(({ id, ...doc }) => [{ index: { _id: id } }, doc]),
    });
    const search = await client.search({ index, body: { query: { match: { text: 'works' } } } });

    // Assess
    expect(bulk.body.errors).toBe(false);
    const ids = search.body.hits.hits.map((hit) => hit._id).sort();
    expect(ids).toEqual(['r1', 'r3']);
  });
});
