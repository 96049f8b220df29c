import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { topology } from '../../../functions/topology.ts';
import { expectedFacts, matchingFacts } from '../../../local/runner/postgres.ts';
import type { SampleRecord } from '../../../local/samples/generate.ts';
import { martTablesOf } from '../../../shared/outputs/postgres-provision.ts';

const sample = (reviewId: string, customerId: string, productId: string, rating: number): SampleRecord =>
  ({ key: reviewId, value: { reviewId, customerId, productId, rating } }) as unknown as SampleRecord;

describe("npm start's reviews-mart checks", () => {
  it('finds the PostgreSQL tables the reference flows write, whose DDL it runs', () => {
    // Act / Assess
    expect(martTablesOf(topology)).toEqual(['review_facts']);
  });

  it('expects each sampled review with its product category and its customer tier, null for an unknown customer', () => {
    // Prepare
    const seeds = join(mkdtempSync(join(tmpdir(), 'mart-')), 'products.json');
    writeFileSync(seeds, JSON.stringify([{ productId: 'p-1', category: 'garden' }]));
    const reviews = [
      sample('r-2', 'c-9', 'p-1', 1),
      sample('r-1', 'c-1', 'p-1', 5),
      sample('r-3', 'c-1', 'p-1', 3),
    ];
    // Act
    const facts = expectedFacts(reviews, new Set(['r-1', 'r-2']), new Map([['c-1', 'gold']]), seeds);
    // Assess
    expect(facts).toEqual([
      {
        review_id: 'r-1',
        customer_id: 'c-1',
        product_id: 'p-1',
        rating: 5,
        customer_tier: 'gold',
        product_category: 'garden',
      },
      {
        review_id: 'r-2',
        customer_id: 'c-9',
        product_id: 'p-1',
        rating: 1,
        customer_tier: null,
        product_category: 'garden',
      },
    ]);
  });

  it('counts a row as matching only when every column is as expected', () => {
    // Prepare
    const want = {
      review_id: 'r-1',
      customer_id: 'c-1',
      product_id: 'p-1',
      rating: 5,
      customer_tier: 'gold',
      product_category: 'garden',
    };
    // Act / Assess
    expect(matchingFacts([want], new Map([['r-1', { ...want }]]))).toBe(1);
    expect(matchingFacts([want], new Map([['r-1', { ...want, customer_tier: 'silver' }]]))).toBe(0);
    expect(matchingFacts([want], new Map())).toBe(0);
  });
});
