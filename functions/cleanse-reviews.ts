import { cleanse, defineFlow, handlerFor, toTopic, validate } from '../shared/index.ts';
import * as z from '../shared/zod.ts';
import { topics } from './resources.ts';

/**
 * Tier 1 → tier 2: what every review must look like before anyone downstream relies on it. Written with the
 * runtime's zod (`shared/zod.ts`: zod/mini, which tree-shakes, with objects on zod's compiled fast path);
 * `validate` takes classic zod too, at ~400 KB more bundle for the function.
 */
export const rawReview = z.object({
  reviewId: z.string().check(z.minLength(1)),
  customerId: z.string().check(z.minLength(1)),
  productId: z.string().check(z.minLength(1)),
  rating: z.int().check(z.minimum(1), z.maximum(5)),
  title: z._default(z.string().check(z.maxLength(200)), ''),
  text: z.string().check(z.maxLength(500_000)),
  source: z.enum(['site', 'app']),
  country: z.string().check(z.minLength(2)),
  email: z.string().check(z.minLength(3)),
  phone: z.optional(z.string()),
  createdAt: z.union([z.string(), z.number()]),
});

/** A tier-2 review (`reviews.clean`): what `rawReview` lets through, cleansed. */
export type Review = z.output<typeof rawReview>;

export const flow = defineFlow({
  name: 'cleanse-reviews',
  description: 'Validates raw reviews and standardises country, phone, email and time for tier 2',
  // Lambda's 500 ms window (unset: the mapping takes no other value below 1 s) with batches of 125: full at
  // 10,000 records/s in ~0.1 s, and a record waits at most ~0.25 s for its batch at the e2e latency run's rate;
  // batches 1.4-1.8x those of no window (npm run bench -- cost: windowWhatIf).
  source: { topic: topics.reviewsRaw, batchSize: 125 },
  deadLetter: toTopic(topics.reviewsDeadLetters),
})
  .step(validate(rawReview, { allowTombstones: false }))
  .step(
    cleanse({
      fields: {
        country: 'country',
        phone: { phone: { countryField: 'country' } },
        email: 'email',
        createdAt: 'timestamp',
        title: 'trim',
      },
    }),
  )
  // Tier 2 keeps the phone for support, but only its last digits.
  .step(cleanse({ name: 'mask-phone', fields: { phone: { mask: { keepLast: 4 } } } }))
  .to(toTopic(topics.reviewsClean));

export const handler = handlerFor(flow);
