import { z } from 'zod';
import { handlerFor } from '../shared/handler/index.ts';
import { toTopic } from '../shared/outputs/topic.ts';
import { cleanse, validate } from '../shared/steps/index.ts';
import { defineFlow } from '../shared/topology/index.ts';
import { topics } from './resources.ts';

/** Tier 1 → tier 2: what every review must look like before anyone downstream relies on it. */
export const rawReview = z.object({
  reviewId: z.string().min(1),
  customerId: z.string().min(1),
  productId: z.string().min(1),
  rating: z.int().min(1).max(5),
  title: z.string().max(200).default(''),
  text: z.string().max(500_000),
  source: z.enum(['site', 'app']),
  country: z.string().min(2),
  email: z.string().min(3),
  phone: z.string().optional(),
  createdAt: z.union([z.string(), z.number()]),
});

export const flow = defineFlow({
  name: 'cleanse-reviews',
  description: 'Validates raw reviews and standardises country, phone, email and time for tier 2',
  source: { topic: topics.reviewsRaw, batchSize: 500, batchingWindowMs: 0 },
  steps: [
    validate(rawReview, { allowTombstones: false }),
    cleanse({
      fields: {
        country: 'country',
        phone: { phone: { countryField: 'country' } },
        email: 'email',
        createdAt: 'timestamp',
        title: 'trim',
      },
    }),
    // Tier 2 keeps the phone for support, but only its last digits.
    cleanse({ name: 'mask-phone', fields: { phone: { mask: { keepLast: 4 } } } }),
  ],
  outputs: [toTopic(topics.reviewsClean)],
  deadLetter: toTopic(topics.reviewsDeadLetters),
});

export const handler = handlerFor(flow);
