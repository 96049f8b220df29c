import { defineTopology } from '../shared/index.ts';
import { flow as alertsNotify } from './alerts-notify.ts';
import { flow as cleanseReviews } from './cleanse-reviews.ts';
import { flow as customersTable } from './customers-table.ts';
import { flow as enrichReviews } from './enrich-reviews.ts';
import { flow as lakeSink } from './lake-sink.ts';
import { flow as ordersByCustomer } from './orders-by-customer.ts';
import { flow as ordersLake } from './orders-lake.ts';
import { flow as productRatings } from './product-ratings.ts';
import { lake, reviewsIndex, tables, topics } from './resources.ts';
import { flow as reviewsByCustomer } from './reviews-by-customer.ts';
import { flow as reviewsByProduct } from './reviews-by-product.ts';
import { flow as reviewsMart } from './reviews-mart.ts';
import { flow as searchSink } from './search-sink.ts';
import { flow as verifiedOrders } from './verified-orders.ts';
import { flow as verifiedReviews } from './verified-reviews.ts';

/** The whole reference deployment: read by the CDK app and the local runner alike. */
export const topology = defineTopology({
  topics,
  tables,
  bucket: lake,
  index: reviewsIndex,
  flows: [
    cleanseReviews,
    customersTable,
    enrichReviews,
    lakeSink,
    searchSink,
    ordersLake,
    reviewsMart,
    alertsNotify,
    reviewsByProduct,
    productRatings,
    reviewsByCustomer,
    ordersByCustomer,
    verifiedReviews,
    verifiedOrders,
  ],
});
