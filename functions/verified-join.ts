import type { JoinOptions } from '../shared/index.ts';
import { type EnrichedReview, tables, type VerifiedReview } from './resources.ts';
import type { Order } from './schemas/orders.ts';

/**
 * The verified-reviews join, declared once for its two sides (verified-reviews reads the reviews, verified-orders
 * the orders): a review joins its customer's orders placed in the 30 days before it. Grace: the sample orders
 * are published in no time order over 40 days, and an order older than its side's time minus 30 days + grace is
 * late (dead-lettered); 14 days keep every sample order.
 */
export const verifiedJoin = {
  name: 'verified-reviews',
  state: tables.joinState,
  within: { before: '30d', after: 0 },
  grace: '14d',
  type: 'inner',
} as const satisfies Partial<JoinOptions>;

/**
 * A review and an order of its customer: verified when the order has a line with the review's product, else
 * undefined (dropped by the `map` after the join).
 */
export const verify = (pair: { review: EnrichedReview; order: Order }): VerifiedReview | undefined => {
  const { review, order } = pair;
  if (!order.lines.some((line) => line.productId === review.productId)) return undefined;
  return {
    reviewId: review.reviewId,
    customerId: review.customerId,
    productId: review.productId,
    rating: review.rating,
    createdAt: review.createdAt,
    orderId: order.orderId,
    orderTime: order.orderTime,
  };
};
