import { marshall } from '@aws-sdk/util-dynamodb';
import { RetriableError } from '../../../shared/errors.ts';

/**
 * In-memory fakes of the four stores at the client seams (`shared/clients/*`), for the handler fuzz only: no
 * server here can be driven tens of thousands of times a minute. Each can be told to fail its next call the
 * way the real client fails on infrastructure trouble, so the fuzz can tell injected failures from
 * content-caused ones.
 */
export const faults = { kafka: false, s3: false, sns: false };

export const sent = { kafka: 0, s3Puts: 0, bulk: 0, tableWrites: 0, postgresRows: 0, notifications: 0 };

/** Keys of the S3 objects put since the last clear: the fuzz checks every lake key is well formed. */
export const putKeys: string[] = [];

export const fakeProducer = {
  async sendBatch(batch: readonly { topic: string; messages: readonly unknown[] }[]): Promise<void> {
    if (faults.kafka) throw new RetriableError('kafka: broker not available (injected by the fuzz)');
    for (const b of batch) sent.kafka += b.messages.length;
  },
  async disconnect(): Promise<void> {},
};

const objects = new Map<string, string | Buffer>();

export const fakeS3 = {
  async send(command: { constructor: { name: string }; input: Record<string, unknown> }): Promise<unknown> {
    const key = String(command.input.Key);
    if (command.constructor.name === 'GetObjectCommand') {
      const body = objects.get(key);
      if (body === undefined) throw Object.assign(new Error('no such key'), { name: 'NoSuchKey' });
      const bytes = Buffer.from(body);
      return {
        Body: {
          transformToString: async () => bytes.toString(),
          transformToByteArray: async () => new Uint8Array(bytes),
        },
      };
    }
    if (faults.s3) throw Object.assign(new Error('slow down (injected by the fuzz)'), { name: 'SlowDown' });
    objects.set(key, command.input.Body as Buffer);
    putKeys.push(key);
    sent.s3Puts++;
    return {};
  },
};

export const fakeSearch = {
  bulk: async ({ body }: { body: string }) => {
    const items = [];
    for (const line of body.split('\n')) {
      if (line.startsWith('{"index":')) items.push({ index: { status: 201 } });
      else if (line.startsWith('{"delete":')) items.push({ delete: { status: 200 } });
    }
    sent.bulk += items.length;
    return { body: { errors: false, items } };
  },
  indices: { exists: async () => ({ body: true }), create: async () => ({}) },
};

/** Reference rows: a few customers and products exist, so enrichment both hits and misses. */
const rows: Record<string, Record<string, Record<string, unknown>>> = {
  customers: Object.fromEntries(
    ['c-0001', 'c-0002', 'c-0003'].map((id, i) => [
      id,
      { customerId: id, name: `n${i}`, tier: i === 0 ? 'gold' : 'silver', country: 'GB', since: '2020' },
    ]),
  ),
  products: Object.fromEntries(
    ['p-001', 'p-002'].map((id) => [id, { productId: id, name: id, category: 'kitchen', priceCents: 999 }]),
  ),
};

export const fakeDynamoDb = {
  async send(command: { constructor: { name: string }; input: Record<string, unknown> }): Promise<unknown> {
    if (command.constructor.name === 'BatchGetItemCommand') {
      const requests = command.input.RequestItems as Record<
        string,
        { Keys: Record<string, { S?: string }>[] }
      >;
      const Responses: Record<string, unknown[]> = {};
      for (const [table, { Keys }] of Object.entries(requests)) {
        Responses[table] = Keys.flatMap((key) => {
          const id = Object.values(key)[0]?.S;
          const inTable = rows[table];
          const row = id !== undefined && inTable && Object.hasOwn(inTable, id) ? inTable[id] : undefined;
          return row ? [marshall(row)] : [];
        });
      }
      return { Responses, UnprocessedKeys: {} };
    }
    sent.tableWrites++;
    return { UnprocessedItems: {} };
  },
};

/**
 * A stand-in for the reviews mart's PostgreSQL table behind `postgresPool`: it refuses a statement as the real
 * table would (SQLSTATE 23502 for a NULL in a NOT NULL column, 22P02 for a rating that is not an integer, 23514
 * outside 1-5, 22007 for a time it cannot read), so the writer's bisection runs under the fuzz. The real
 * behaviour is held by test/integration/outputs/postgres.test.ts against the local server.
 */
export const fakePostgres = {
  async query(text: string, values: readonly unknown[]): Promise<{ rowCount: number; rows: unknown[] }> {
    if (text.startsWith('SELECT a.attname')) {
      const columns = ['review_id', 'customer_id', 'product_id', 'rating', 'title', 'country', 'created_at'];
      const more = ['customer_tier', 'product_category', 'price_cents', 'source_topic', 'source_partition'];
      return { rowCount: 13, rows: [...columns, ...more, 'source_offset'].map((name) => ({ name })) };
    }
    const rows = JSON.parse(String(values[0])) as Record<string, unknown>[];
    const refuse = (code: string) => {
      throw Object.assign(new Error(`refused (${code}, the fuzz's stand-in table)`), { code });
    };
    if (text.startsWith('INSERT')) {
      for (const row of rows) {
        for (const column of [
          'customer_id',
          'product_id',
          'rating',
          'title',
          'created_at',
          'product_category',
        ])
          if (row[column] === null || row[column] === undefined) refuse('23502');
        const rating = row.rating;
        if (typeof rating !== 'number' || !Number.isInteger(rating)) refuse('22P02');
        if ((rating as number) < 1 || (rating as number) > 5) refuse('23514');
        if (Number.isNaN(Date.parse(String(row.created_at)))) refuse('22007');
      }
    }
    sent.postgresRows += rows.length;
    return { rowCount: rows.length, rows: [] };
  },
};

/**
 * A stand-in for SNS behind `snsClient`: PublishBatch answers per entry, as the real service does, refusing an
 * entry whose message is empty (SNS's InvalidParameter, the sender's fault) and taking the rest. The real
 * behaviour is held by test/integration/outputs/messaging.test.ts against moto.
 */
export const fakeSns = {
  async send(command: {
    constructor: { name: string };
    input: { PublishBatchRequestEntries?: { Id?: string; Message?: string }[] };
  }): Promise<unknown> {
    // An infrastructure refusal that fails the batch at once (a 5xx would be retried for the whole budget).
    if (faults.sns)
      throw Object.assign(new Error('not authorized (injected by the fuzz)'), {
        name: 'AuthorizationErrorException',
        $metadata: { httpStatusCode: 403 },
      });
    const entries = command.input.PublishBatchRequestEntries ?? [];
    const Failed = entries
      .filter((e) => !e.Message)
      .map((e) => ({ Id: e.Id, Code: 'InvalidParameter', Message: 'Empty message', SenderFault: true }));
    sent.notifications += entries.length - Failed.length;
    return { Successful: [], Failed };
  },
};
