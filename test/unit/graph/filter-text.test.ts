import { describe, expect, it } from 'vitest';
import { filterText, MAX_FILTER_TEXT } from '../../../local/graph/filter-text.ts';
import { anyOf, predicate, where } from '../../../shared/filter/where.ts';

describe('filterText', () => {
  it.each([
    [where({ tier: 'gold', vip: true, deleted: null }), "tier = 'gold' and vip = true and deleted = null"],
    [where({ country: { in: ['NL', 2] } }), "country in ('NL', 2)"],
    [where({ source: { prefix: 'app' } }), "source starts with 'app'"],
    [where({ email: { suffix: '.nl' } }), "email ends with '.nl'"],
    [where({ tier: { equalsIgnoreCase: 'Gold' } }), "tier = 'Gold' (any case)"],
    [where({ email: { exists: true }, phone: { exists: false } }), 'email exists and no phone'],
    [where({ status: { anythingBut: 'deleted' } }), "status ≠ 'deleted'"],
    [where({ status: { anythingBut: ['deleted', 'spam'] } }), "status not in ('deleted', 'spam')"],
    [where({ rating: { lte: 2 } }), 'rating ≤ 2'],
    [where({ rating: { gt: 3 } }), 'rating > 3'],
    [where({ rating: { gte: 1, lt: 5 } }), '1 ≤ rating < 5'],
    [predicate('isSpam', () => true), 'predicate isSpam'],
    [
      anyOf(
        where({ a: 1, b: 2 }),
        where({ c: 3 }),
        predicate('p', () => true),
      ),
      '(a = 1 and b = 2) or c = 3 or predicate p',
    ],
  ])('reads %o as %s', (filter, expected) => {
    // Act
    const text = filterText(filter);
    // Assess
    expect(text).toBe(expected);
  });

  it('cuts a long filter at the limit with an ellipsis', () => {
    // Prepare
    const filter = where({ id: { in: Array.from({ length: 50 }, (_, i) => `customer-${i}`) } });
    // Act
    const text = filterText(filter);
    // Assess
    expect(text).toHaveLength(MAX_FILTER_TEXT);
    expect(text.endsWith('…')).toBe(true);
    expect(text.startsWith("id in ('customer-0', 'customer-1'")).toBe(true);
  });
});
