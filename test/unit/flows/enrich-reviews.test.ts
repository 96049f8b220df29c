import { describe, expect, it } from 'vitest';
import { flow } from '../../../functions/enrich-reviews.ts';
import { testFlow } from '../../../shared/testing/index.ts';

const tables = {
  customers: [
    { customerId: 'c-gold', name: 'Ada', tier: 'gold', country: 'GB', since: '2019', notes: 'not projected' },
    { customerId: 'c-silver', name: 'Bo', tier: 'silver', country: 'FR', since: '2021' },
  ],
  products: [{ productId: 'p-1', name: 'Kettle', category: 'kitchen', priceCents: 2999 }],
};

const review = (reviewId: string, customerId: string, rating: number, productId = 'p-1') => ({
  key: reviewId,
  value: { reviewId, customerId, productId, rating, text: 'fine' },
});

describe('enrich-reviews', () => {
  it('joins each review with its customer and product, projecting only the declared attributes', async () => {
    // Prepare
    const driver = testFlow(flow, { tables });
    // Act
    const result = await driver.send([review('r-1', 'c-silver', 4)]);
    // Assess
    expect(result.outputs['reviews.enriched']?.[0]?.value).toEqual({
      reviewId: 'r-1',
      customerId: 'c-silver',
      productId: 'p-1',
      rating: 4,
      text: 'fine',
      customer: { customerId: 'c-silver', name: 'Bo', tier: 'silver', country: 'FR', since: '2021' },
      product: { productId: 'p-1', name: 'Kettle', category: 'kitchen', priceCents: 2999 },
    });
  });

  it('alerts only an unhappy gold customer: other reviews reach reviews.enriched but not reviews.alerts', async () => {
    // Prepare
    const driver = testFlow(flow, { tables });
    // Act
    const result = await driver.send([
      review('r-1', 'c-gold', 1),
      review('r-2', 'c-silver', 1),
      review('r-3', 'c-gold', 5),
    ]);
    // Assess
    expect(result.outputs['reviews.enriched']?.map((r) => r.key)).toEqual(['r-1', 'r-2', 'r-3']);
    expect(result.outputs['reviews.alerts']?.map((r) => r.key)).toEqual(['r-1']);
    expect(result.filtered).toEqual([]);
  });

  it('keeps a review whose customer is unknown with customer null (left join)', async () => {
    // Prepare
    const driver = testFlow(flow, { tables });
    // Act
    const result = await driver.send([review('r-1', 'c-nobody', 1)]);
    // Assess
    expect(result.outputs['reviews.enriched']?.[0]?.value).toMatchObject({ reviewId: 'r-1', customer: null });
    expect(result.outputs['reviews.alerts']).toEqual([]);
  });

  it('dead-letters a review of an unknown product at enrich (inner join, onMissing deadLetter), naming the key', async () => {
    // Prepare
    const driver = testFlow(flow, { tables });
    // Act
    const result = await driver.send([review('r-1', 'c-gold', 2), review('r-2', 'c-gold', 2, 'p-404')]);
    // Assess
    expect(result.outputs['reviews.enriched']?.map((r) => r.key)).toEqual(['r-1']);
    expect(result.deadLetters).toEqual([
      expect.objectContaining({
        stage: 'enrich',
        errorClass: 'LookupError',
        component: 'enrich-product',
        key: 'r-2',
        value: expect.objectContaining({ productId: 'p-404' }),
      }),
    ]);
    expect(result.deadLetters[0]?.reason).toContain('p-404');
  });

  it('dead-letters a review whose lookup key is not a string or number at enrich, before any lookup', async () => {
    // Prepare
    const driver = testFlow(flow, { tables });
    // Act
    const result = await driver.send([
      { key: 'r-1', value: { reviewId: 'r-1', customerId: { id: 1 }, productId: 'p-1' } },
    ]);
    // Assess
    expect(result.deadLetters.map((d) => [d.key, d.stage, d.component])).toEqual([
      ['r-1', 'enrich', 'enrich-customer'],
    ]);
  });

  it('reads each driver its own tables: a customer cached by one driver is not served to another', async () => {
    // Prepare
    await testFlow(flow, { tables }).send([review('r-1', 'c-gold', 1)]);
    const other = testFlow(flow, {
      tables: { ...tables, customers: [{ customerId: 'c-gold', tier: 'silver' }] },
    });
    // Act
    const result = await other.send([review('r-1', 'c-gold', 1)]);
    // Assess
    expect(result.outputs['reviews.enriched']?.[0]?.value).toMatchObject({ customer: { tier: 'silver' } });
    expect(result.outputs['reviews.alerts']).toEqual([]);
  });
});
