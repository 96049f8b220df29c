import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as mini from 'zod/mini';
import * as z from '../../../shared/zod.ts';

// The same shape through the runtime's compiled objects and through zod/mini's own: they must agree.
const fields = {
  id: z.string().check(z.minLength(1)),
  rating: z.int().check(z.minimum(1), z.maximum(5)),
  title: z._default(z.string(), ''),
  phone: z.optional(z.string()),
  at: z.union([z.string(), z.number()]),
};
const pairs = [
  ['object', z.object(fields), mini.object(fields)],
  ['strictObject', z.strictObject(fields), mini.strictObject(fields)],
  ['looseObject', z.looseObject(fields), mini.looseObject(fields)],
] as const;

const anyValue = fc.oneof(
  fc.string(),
  fc.integer({ min: -2, max: 8 }),
  fc.constant(undefined),
  fc.constant(null),
  fc.double(),
);
const candidate = fc.record(
  { id: anyValue, rating: anyValue, title: anyValue, phone: anyValue, at: anyValue, extra: anyValue },
  { requiredKeys: [] },
);

describe("the runtime's zod objects (compiled fast path on zod/mini)", () => {
  it.each(pairs)('%s accepts, rejects and outputs exactly what zod/mini does', (_, compiled, reference) => {
    fc.assert(
      fc.property(candidate, (value) => {
        const got = z.safeParse(compiled, value);
        const want = mini.safeParse(reference, value);
        expect(got.success).toBe(want.success);
        if (got.success && want.success) expect(got.data).toEqual(want.data);
        else expect(got.error?.issues).toEqual(want.error?.issues);
      }),
      { numRuns: 1_000 },
    );
  });

  it('are mini objects: their shape and the mini helpers work on them', () => {
    const schema = z.object(fields);
    expect(Object.keys(schema.shape)).toEqual(Object.keys(fields));
    expect(
      z.safeParse(z.extend(schema, { more: z.boolean() }), { id: 'a', rating: 3, at: 1, more: true }).success,
    ).toBe(true);
    expect(schema.parse({ id: 'a', rating: 3, at: 1, dropped: true })).toEqual({
      id: 'a',
      rating: 3,
      title: '',
      at: 1,
    });
  });
});
