import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { flow } from '../../../functions/lake-sink.ts';
import { testFlow } from '../../../shared/testing/index.ts';

const LAKE = 's3:sluice-lake/reviews/enriched';

describe('lake-sink', () => {
  it('hands every enriched review to the lake output, in source order per partition', async () => {
    // Prepare
    const driver = testFlow(flow);
    // Act
    const result = await driver.send([
      { key: 'r-1', value: { reviewId: 'r-1', createdAt: '2026-11-30T10:00:00Z' } },
      { key: 'r-2', value: { reviewId: 'r-2', createdAt: '2026-11-30T10:00:01Z' }, partition: 1 },
      { key: 'r-3', value: { reviewId: 'r-3', createdAt: '2026-11-30T10:00:02Z' } },
    ]);
    // Assess
    expect(result.outputs[LAKE]?.map((r) => [r.key, r.source.partition, r.source.offset])).toEqual([
      ['r-1', 0, 0],
      ['r-3', 0, 1],
      ['r-2', 1, 0],
    ]);
    expect(result.summary).toMatchObject({ recordsIn: 3, out: { [LAKE]: 3 }, deadLettered: 0 });
  });

  it('dead-letters a record that is not JSON at decode, with its original bytes', async () => {
    // Prepare
    const driver = testFlow(flow);
    // Act
    const result = await driver.send([{ key: 'x', value: Buffer.from([0xff, 0x00, 0x7b]) }]);
    // Assess
    expect(result.deadLetters).toEqual([
      expect.objectContaining({
        stage: 'decode',
        errorClass: 'DecodeError',
        key: 'x',
        bytes: Buffer.from([0xff, 0x00, 0x7b]),
      }),
    ]);
    expect(result.outputs[LAKE]).toEqual([]);
  });

  it('takes the sample invoke payload', async () => {
    // Prepare
    const driver = testFlow(flow);
    const payload = readFileSync(new URL('../../../events/invoke/lake-sink.json', import.meta.url), 'utf8');
    // Act
    const result = await driver.sendEvent(payload);
    // Assess
    expect(result.summary.out[LAKE]).toBe(result.summary.recordsIn);
  });
});
