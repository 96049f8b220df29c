/**
 * A FAKE DynamoDB, in memory and without latency, for `npm run bench -- stateful` only: it shows how fast the
 * aggregate step runs when the state store costs nothing, so the benchmark can tell the step's own cost from
 * dynalite's. Never a target figure. It serves only what the aggregate step sends: BatchGetItem, BatchWriteItem,
 * PutItem with `attribute_not_exists(#a)` or `#a = :v` conditions, and a Query `#pk = :pk AND #sk < :below`.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

type Raw = Record<string, AttributeValue>;
interface Command {
  readonly constructor: { readonly name: string };
  readonly input: Record<string, unknown>;
}

const conditionFailed = () =>
  Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });

export class InMemoryDynamoDbFake {
  /** Per table, items by `pk\u0000sk`, and the sort keys' items per partition key (for Query). */
  readonly #tables = new Map<string, Map<string, Raw>>();
  readonly #byPk = new Map<string, Map<string, Raw>>();

  constructor(
    readonly pk = 'pk',
    readonly sk = 'sk',
  ) {}

  #table(name: string): Map<string, Raw> {
    let table = this.#tables.get(name);
    if (table === undefined) {
      table = new Map();
      this.#tables.set(name, table);
    }
    return table;
  }

  #id(key: Raw): string {
    return `${key[this.pk]?.S}\u0000${key[this.sk]?.S}`;
  }

  #put(name: string, item: Raw): void {
    this.#table(name).set(this.#id(item), item);
    const group = `${name}\u0000${item[this.pk]?.S}`;
    let sorted = this.#byPk.get(group);
    if (sorted === undefined) {
      sorted = new Map();
      this.#byPk.set(group, sorted);
    }
    sorted.set(item[this.sk]?.S as string, item);
  }

  #delete(name: string, key: Raw): void {
    this.#table(name).delete(this.#id(key));
    this.#byPk.get(`${name}\u0000${key[this.pk]?.S}`)?.delete(key[this.sk]?.S as string);
  }

  async send(command: Command): Promise<unknown> {
    const input = command.input;
    switch (command.constructor.name) {
      case 'BatchGetItemCommand': {
        const Responses: Record<string, Raw[]> = {};
        for (const [name, request] of Object.entries(input.RequestItems as Record<string, { Keys: Raw[] }>)) {
          const table = this.#table(name);
          Responses[name] = request.Keys.map((k) => table.get(this.#id(k))).filter((i): i is Raw => !!i);
        }
        return { Responses, UnprocessedKeys: {} };
      }
      case 'BatchWriteItemCommand': {
        for (const [name, requests] of Object.entries(
          input.RequestItems as Record<
            string,
            { PutRequest?: { Item: Raw }; DeleteRequest?: { Key: Raw } }[]
          >,
        )) {
          for (const r of requests)
            if (r.PutRequest) this.#put(name, r.PutRequest.Item);
            else if (r.DeleteRequest) this.#delete(name, r.DeleteRequest.Key);
        }
        return { UnprocessedItems: {} };
      }
      case 'PutItemCommand': {
        const table = this.#table(input.TableName as string);
        const item = input.Item as Raw;
        const current = table.get(this.#id(item));
        const condition = input.ConditionExpression as string | undefined;
        if (condition !== undefined) {
          const names = input.ExpressionAttributeNames as Record<string, string>;
          const values = (input.ExpressionAttributeValues ?? {}) as Record<string, AttributeValue>;
          const absent = /^attribute_not_exists\((#\w+)\)$/.exec(condition);
          const equal = /^(#\w+) = (:\w+)$/.exec(condition);
          if (absent) {
            if (current?.[names[absent[1] as string] as string] !== undefined) throw conditionFailed();
          } else if (equal) {
            const have = current?.[names[equal[1] as string] as string];
            if (have?.N !== (values[equal[2] as string] as AttributeValue).N) throw conditionFailed();
          } else throw new Error(`in-memory DynamoDB fake: condition not served: ${condition}`);
        }
        this.#put(input.TableName as string, item);
        return {};
      }
      case 'QueryCommand': {
        if (input.KeyConditionExpression !== '#pk = :pk AND #sk < :below')
          throw new Error(`in-memory DynamoDB fake: query not served: ${input.KeyConditionExpression}`);
        const values = input.ExpressionAttributeValues as Record<string, AttributeValue>;
        const pk = values[':pk']?.S as string;
        const below = values[':below']?.S as string;
        const group = this.#byPk.get(`${input.TableName}\u0000${pk}`) ?? new Map<string, Raw>();
        const Items = [...group.entries()]
          .filter(([sk]) => sk < below)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([, item]) => item);
        return { Items };
      }
      default:
        throw new Error(`in-memory DynamoDB fake: ${command.constructor.name} not served`);
    }
  }
}
