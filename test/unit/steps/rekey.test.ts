import { describe, expect, it } from 'vitest';
import { Stage, StepError } from '../../../shared/errors.ts';
import { encodeKey } from '../../../shared/outputs/encode.ts';
import { rekey } from '../../../shared/steps/rekey.ts';
import { flowRecord, stepContext } from '../runtime/records.ts';

describe('rekey step (the repartition hop)', () => {
  it('keys each record by a field of its value, keeping value, headers and source, so outputs write the new key', async () => {
    // Prepare
    const record = flowRecord({ reviewId: 'r-1', productId: 'p-007' }, 4);
    // Act
    const result = await rekey({ key: 'productId' }).run([record], stepContext());
    // Assess
    const out = result.records[0]!;
    expect(out).toMatchObject({ key: 'p-007', value: record.value, headers: record.headers });
    expect(out.source).toBe(record.source);
    expect(encodeKey(out)?.toString()).toBe('p-007');
  });

  it('writes a numeric key as its decimal text', async () => {
    // Prepare
    const record = flowRecord({ shop: 42 }, 0);
    // Act
    const result = await rekey({ key: (v: { shop: number }) => v.shop }).run([record], stepContext());
    // Assess
    expect(result.records[0]?.key).toBe('42');
  });

  it('dead-letters a record whose key is missing, empty, not a string or number, or over 1 KiB; the rest go on', async () => {
    // Prepare
    const values = [
      { productId: 'p-1' },
      {},
      { productId: '' },
      { productId: { id: 1 } },
      { productId: 'x'.repeat(1025) },
    ];
    const records = values.map((v, i) => flowRecord(v, i));
    // Act
    const result = await rekey({ name: 'by-product', key: 'productId' }).run(records, stepContext());
    // Assess
    expect(result.records.map((r) => r.source.offset)).toEqual([0]);
    expect(result.deadLetters.map((d) => d.record.source.offset)).toEqual([1, 2, 3, 4]);
    for (const d of result.deadLetters) {
      expect(d).toMatchObject({ stage: Stage.Step, component: 'by-product' });
      expect(d.error).toBeInstanceOf(StepError);
    }
    expect(result.deadLetters.map((d) => d.error.message)).toEqual([
      'by-product: the new key is missing, not a string or number',
      'by-product: the new key is empty, not a string or number',
      'by-product: the new key is a object, not a string or number',
      'by-product: the new key is longer than 1024 bytes',
    ]);
  });
});
