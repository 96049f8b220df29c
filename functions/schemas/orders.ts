/**
 * The Avro schema of the `orders` topic (version 1), as the registry holds it: the shop's order service writes
 * orders in it through the AWS Glue Schema Registry, and `orders-lake` reads them and derives its Parquet columns
 * from it. A .ts module rather than an .avsc file so that flow bundles and Node alike import it; `npm run schemas
 * -- check` compares it (the topic's declared `schema`) with the registry's latest version.
 */
export const ordersSchema = {
  type: 'record',
  name: 'Order',
  namespace: 'com.example.shop',
  doc: 'An order as the order service places it: who, when, what (lines), for how much.',
  fields: [
    { name: 'orderId', type: 'string' },
    { name: 'customerId', type: 'string', doc: 'The customers table key (c-0000…).' },
    {
      name: 'orderTime',
      type: { type: 'long', logicalType: 'timestamp-millis' },
      doc: 'When the order was placed: the lake partitions by it.',
    },
    {
      name: 'status',
      type: {
        type: 'enum',
        name: 'OrderStatus',
        symbols: ['PLACED', 'PAID', 'SHIPPED', 'DELIVERED', 'CANCELLED'],
      },
    },
    { name: 'currency', type: 'string', doc: 'ISO 4217 code of every amount in the order.' },
    {
      name: 'lines',
      type: {
        type: 'array',
        items: {
          type: 'record',
          name: 'OrderLine',
          fields: [
            { name: 'productId', type: 'string', doc: 'The products table key (p-000…).' },
            { name: 'quantity', type: 'int' },
            { name: 'unitPriceCents', type: 'long', doc: 'Minor units of the currency: no floating point.' },
          ],
        },
      },
    },
    { name: 'totalCents', type: 'long', doc: 'Sum of quantity × unit price over the lines.' },
    { name: 'couponCode', type: ['null', 'string'], default: null },
  ],
} as const;

/** One order line: a product, how many, at what unit price (minor units). */
export interface OrderLine {
  readonly productId: string;
  readonly quantity: number;
  readonly unitPriceCents: number;
}

/** An order as decoded from the topic (Avro long as a number: amounts and epoch milliseconds stay below 2^53). */
export interface Order {
  readonly orderId: string;
  readonly customerId: string;
  /** Epoch milliseconds (Avro timestamp-millis). */
  readonly orderTime: number;
  readonly status: 'PLACED' | 'PAID' | 'SHIPPED' | 'DELIVERED' | 'CANCELLED';
  readonly currency: string;
  readonly lines: readonly OrderLine[];
  readonly totalCents: number;
  readonly couponCode: string | null;
}
