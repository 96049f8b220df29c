import type {
  AttributeValue,
  BatchGetItemCommand,
  BatchGetItemCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';

/**
 * A stand-in for the DynamoDB client at the port boundary, for unit tests only (integration tests use dynalite):
 * answers BatchGetItem from a map, records requests, and can leave keys unprocessed or throw like the SDK.
 */
export class FakeDynamoDb {
  readonly requests: Record<string, AttributeValue>[][] = [];
  readonly tables = new Map<string, Map<string, Record<string, unknown>>>();
  /** Leave this many keys unprocessed on each of the next calls. */
  unprocessed: number[] = [];
  failWith: Error | undefined;
  inFlight = 0;
  maxInFlight = 0;

  constructor(table: string, pk: string, items: readonly Record<string, unknown>[]) {
    this.tables.set(table, new Map(items.map((i) => [String(i[pk]), i])));
    this.pk = pk;
  }
  readonly pk: string;

  async send(command: BatchGetItemCommand): Promise<BatchGetItemCommandOutput> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((r) => setTimeout(r, 1));
      if (this.failWith) throw this.failWith;
      const [[table, request]] = Object.entries(command.input.RequestItems ?? {}) as [
        [
          string,
          {
            Keys: Record<string, AttributeValue>[];
            ProjectionExpression?: string;
            ExpressionAttributeNames?: Record<string, string>;
          },
        ],
      ];
      this.requests.push(request.Keys);
      const rows = this.tables.get(table);
      if (rows === undefined) {
        throw Object.assign(new Error('Requested resource not found'), {
          name: 'ResourceNotFoundException',
          $metadata: { httpStatusCode: 400 },
        });
      }
      const skip = this.unprocessed.shift() ?? 0;
      const processed = request.Keys.slice(0, request.Keys.length - skip);
      const left = request.Keys.slice(request.Keys.length - skip);
      const names = request.ExpressionAttributeNames
        ? Object.values(request.ExpressionAttributeNames)
        : undefined;
      const found = processed.flatMap((key) => {
        const item = rows.get(String(unmarshall(key)[this.pk]));
        if (!item) return [];
        const projected = names
          ? Object.fromEntries(Object.entries(item).filter(([k]) => names.includes(k)))
          : item;
        return [marshall(projected)];
      });
      return {
        Responses: { [table]: found },
        UnprocessedKeys: left.length ? { [table]: { Keys: left } } : {},
        $metadata: {},
      };
    } finally {
      this.inFlight--;
    }
  }
}
