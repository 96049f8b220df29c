// Only zod/mini here, never classic zod: classic installs English messages on import and would hide a missing
// locale. Flows write their schemas with zod/mini to keep their bundles small (see functions/cleanse-reviews.ts).
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { ValidationError } from '../../../shared/errors.ts';
import { validate } from '../../../shared/steps/validate.ts';
import { flowRecord, stepContext } from '../runtime/records.ts';

describe('validate step with a zod/mini schema', () => {
  const review = z.object({
    reviewId: z.string(),
    rating: z.int().check(z.minimum(1), z.maximum(5)),
    source: z._default(z.string(), 'unknown'),
  });

  it('dead-letters with the same English messages classic zod gives', async () => {
    // Prepare
    const records = [
      flowRecord({ reviewId: 7, rating: 'five' }, 0),
      flowRecord({ reviewId: 'r', rating: 9 }, 1),
    ];
    // Act
    const result = await validate(review).run(records, stepContext());
    // Assess
    expect(result.deadLetters.map((d) => d.error)).toEqual([
      expect.any(ValidationError),
      expect.any(ValidationError),
    ]);
    expect(result.deadLetters.map((d) => d.error.message)).toEqual([
      'reviewId: Invalid input: expected string, received number; rating: Invalid input: expected number, received string',
      'rating: Too big: expected number to be <=5',
    ]);
  });

  it('passes the schema output on, defaults applied', async () => {
    // Act
    const result = await validate(review).run([flowRecord({ reviewId: 'r', rating: 1 }, 0)], stepContext());
    // Assess
    expect(result.records.map((r) => r.value)).toEqual([{ reviewId: 'r', rating: 1, source: 'unknown' }]);
  });
});
