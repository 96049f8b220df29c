import { describe, expect, it } from 'vitest';
import { flow } from '../../../functions/search-sink.ts';
import { testFlow } from '../../../shared/testing/index.ts';

const INDEX = 'opensearch:reviews';

describe('search-sink', () => {
  it('hands every enriched review to the index output, tombstones included (they delete a document)', async () => {
    // Prepare
    const driver = testFlow(flow);
    // Act
    const result = await driver.send([
      { key: 'r-1', value: { reviewId: 'r-1', rating: 5 } },
      { key: 'r-2', value: null },
    ]);
    // Assess
    expect(result.outputs[INDEX]).toEqual([
      expect.objectContaining({ key: 'r-1', value: { reviewId: 'r-1', rating: 5 } }),
      expect.objectContaining({ key: 'r-2', value: null }),
    ]);
    expect(result.deadLetters).toEqual([]);
  });

  it('dead-letters a record that is not JSON at decode and indexes the rest', async () => {
    // Prepare
    const driver = testFlow(flow);
    // Act
    const result = await driver.send([
      { key: 'bad', value: '{"reviewId"' },
      { key: 'r-1', value: { reviewId: 'r-1' } },
    ]);
    // Assess
    expect(result.deadLetters.map((d) => [d.key, d.stage, d.errorClass])).toEqual([
      ['bad', 'decode', 'DecodeError'],
    ]);
    expect(result.outputs[INDEX]?.map((r) => r.key)).toEqual(['r-1']);
  });
});
