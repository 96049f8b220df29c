import { RegistryFormats, ValueFormat } from '../decode/formats.ts';
import { ConfigError } from '../errors.ts';
import { jsonSyntaxError } from '../schemas/json-place.ts';
import { isRegistryRef, type RegistryRef } from '../schemas/registry.ts';
import * as z from '../zod.ts';
import { toConfigError } from './config-error.ts';

/**
 * A declared topic.
 * @typeParam V - the value type its records carry, when declared (`typed<V>(…)` in `defineTopics`): a flow reading
 *   the topic starts with it, and a flow writing it must produce it
 */
export interface TopicRef<V = unknown> {
  /** Types only, never set: the value type, declared with `typed`. */
  readonly '~value'?: V;
  readonly kind: 'topic';
  readonly name: string;
  readonly format: ValueFormat;
  readonly partitions: number;
  /**
   * The topic's `max.message.bytes`: the largest record batch the broker accepts, which cuts the sends of a topic
   * output. MSK's default is 1 MiB (1048588); MSK Serverless allows 8 MiB (8388608).
   * @default 1048588
   */
  readonly maxMessageBytes?: number;
  /**
   * Written only by this topology's flows: records read from it keep the lineage headers (`sluice.path`,
   * `sluice.origin.offset`) their producing flow set. On an ingress topic (false), which outside producers
   * write, inbound lineage is stripped and each record's path starts at the flow that reads it.
   * `defineTopology` checks it against the flows' outputs both ways.
   * @default false
   */
  readonly internal: boolean;
  /**
   * The value field its producers key records by (so one partition holds each value of it): what a windowed
   * aggregation groups by, or a join joins on, must be this (see TopicOptions.keyedBy).
   */
  readonly keyedBy?: string;
  /** The schema registry framing the records of an avro, protobuf or json-schema topic. */
  readonly registry?: RegistryRef;
  /** How keys are encoded: `string` (UTF-8 text) or the registry format of the values. @default 'string' */
  readonly keyFormat?: KeyFormat;
  /**
   * The readers' schema (Avro: records written with older or newer schemas are resolved to it), and the schema
   * topic outputs write values in.
   */
  readonly schema?: string;
}

/** A key is UTF-8 text, or framed by the topic's registry in one of its formats. */
export type KeyFormat = 'string' | 'avro' | 'protobuf' | 'json-schema';

export const KeyType = { String: 'string', Number: 'number' } as const;
export type KeyType = (typeof KeyType)[keyof typeof KeyType];

export interface KeyAttribute {
  readonly name: string;
  readonly type: KeyType;
}

/**
 * A declared table.
 * @typeParam Item - the item type, when declared (`typed<Item>(…)` in `defineTables`): `enrich` adds it to values
 */
// biome-ignore lint/suspicious/noExplicitAny: a table of any item type (the runtime's view)
export interface TableRef<Item = any> {
  /** Types only, never set: the item type, declared with `typed`. */
  readonly '~value'?: Item;
  readonly kind: 'table';
  readonly name: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
}

export interface BucketRef {
  readonly kind: 'bucket';
  readonly name: string;
}

export interface IndexRef {
  readonly kind: 'index';
  readonly name: string;
}

// Kafka's characters, within the mapping's `Topics` rule: 1-249 characters, pattern `^[^.]([a-zA-Z0-9\-_.]+)`, so
// not starting with a dot and at least 2 long (https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html).
const topicSchema = z.strictObject({
  name: z
    .string()
    .check(
      z.regex(
        /^[a-zA-Z0-9_-][a-zA-Z0-9._-]{1,248}$/,
        'must be a Kafka topic name a mapping can read (2-249 of a-z A-Z 0-9 . _ -, not starting with a dot)',
      ),
    ),
  format: z.enum(Object.values(ValueFormat), {
    error: `must be one of ${Object.values(ValueFormat).join(', ')}`,
  }),
  partitions: z
    .int('must be an integer')
    .check(z.minimum(1, 'must be ≥ 1'), z.maximum(10000, 'must be ≤ 10000')),
  maxMessageBytes: z.optional(
    z
      .int('must be an integer')
      .check(z.minimum(1024, 'must be ≥ 1024'), z.maximum(2 ** 31 - 1, 'must be ≤ 2^31-1')),
  ),
  internal: z._default(z.boolean('must be true or false'), false),
  keyedBy: z.optional(
    z.string('must be a value field name').check(z.minLength(1, 'must be a value field name')),
  ),
  registry: z.optional(
    z.custom<RegistryRef>(isRegistryRef, 'must be a registry made with glueRegistry or confluentRegistry'),
  ),
  keyFormat: z.optional(
    z.enum(['string', ...RegistryFormats] as KeyFormat[], {
      error: `must be one of string, ${RegistryFormats.join(', ')}`,
    }),
  ),
  schema: z.optional(z.string('must be the schema text')),
});

/** Registry settings that fit the format: checked after the shape, so each message names its option. */
const checkRegistry = (id: string, t: z.infer<typeof topicSchema>): void => {
  const path = `topics.${id}`;
  const framed = RegistryFormats.includes(t.format);
  if (framed && t.registry === undefined)
    throw new ConfigError(
      `${path}.registry`,
      `a ${t.format} topic needs a registry: glueRegistry({ name }) or confluentRegistry({ url })`,
    );
  if (!framed && t.registry !== undefined)
    throw new ConfigError(
      `${path}.registry`,
      `is only for avro, protobuf and json-schema topics (this one is ${t.format})`,
    );
  if (!framed && t.schema !== undefined)
    throw new ConfigError(
      `${path}.schema`,
      `is only for avro, protobuf and json-schema topics (this one is ${t.format})`,
    );
  if (t.keyFormat !== undefined && t.keyFormat !== 'string' && t.registry === undefined)
    throw new ConfigError(`${path}.keyFormat`, `${t.keyFormat} keys need the topic's registry`);
  if (t.schema !== undefined && t.format !== ValueFormat.Protobuf) {
    const problem = jsonSyntaxError(t.schema);
    if (problem !== undefined) throw new ConfigError(`${path}.schema`, problem);
  }
};

const keySchema = z
  .pipe(
    z.union([
      z.string(),
      z.strictObject({
        name: z.string(),
        type: z.enum(Object.values(KeyType), { error: 'must be string or number' }),
      }),
    ]),
    z.transform((k) => (typeof k === 'string' ? { name: k, type: KeyType.String } : k)),
  )
  .check(
    z.refine((k) => k.name.length > 0 && k.name.length <= 255, 'must name an attribute (1-255 characters)'),
  );

const tableSchema = z.strictObject({
  name: z
    .string()
    .check(z.regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'must be a DynamoDB table name (3-255 of a-z A-Z 0-9 _ - .)')),
  partitionKey: keySchema,
  sortKey: z.optional(keySchema),
});

const namedSchema = z.strictObject({
  name: z
    .string()
    .check(
      z.regex(
        /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
        'must be lower-case letters, digits, dots and dashes (3-63)',
      ),
    ),
});

const define = <In, Ref>(
  kind: string,
  schema: z.ZodMiniType<In>,
  build: (value: In) => Ref,
  check?: (id: string, value: In) => void,
): ((declared: Readonly<Record<string, unknown>>) => never) => {
  return (declared) => {
    const refs = {} as Record<string, Ref>;
    for (const [id, value] of Object.entries(declared)) {
      const parsed = schema.safeParse(value);
      if (!parsed.success) throw toConfigError(parsed.error, `${kind}.${id}`);
      check?.(id, parsed.data);
      refs[id] = Object.freeze(build(parsed.data));
    }
    return Object.freeze(refs) as never;
  };
};

/** One topic of `defineTopics`. */
export interface TopicOptions {
  /**
   * The Kafka topic name (2-249 of a-z A-Z 0-9 . _ -, not starting with a dot: the mapping's `Topics` rule).
   * @example name: 'reviews.raw'
   */
  name: string;
  /**
   * How values are decoded for steps and encoded by topic outputs: json, string, bytes or avro.
   * @example format: 'json'
   */
  format: ValueFormat;
  /**
   * Partitions the topic is created with (1..10000); one execution environment each locally.
   * @example partitions: 3
   */
  partitions: number;
  /**
   * The topic's `max.message.bytes`, which cuts the sends of a topic output.
   * @default 1048588 (MSK's)
   * @example maxMessageBytes: 8_388_608
   */
  maxMessageBytes?: number;
  /**
   * Written only by this topology's flows, so lineage headers read from it are trusted (see TopicRef.internal).
   * @default false
   * @example internal: true
   */
  internal?: boolean;
  /**
   * The top-level value field the topic's records are keyed by (producers set the Kafka key to it, so all records
   * of one value share a partition). `defineTopology` requires it where partitioning matters: a windowed
   * aggregation must group by its source topic's `keyedBy`, and a flow that `rekey`s by a field must write
   * topics keyed by that field: a repartition topic, as Kafka Streams writes through one.
   * @default none (keyed by something no step relies on)
   * @example keyedBy: 'productId'
   */
  keyedBy?: string;
  /**
   * The schema registry of an avro, protobuf or json-schema topic (required for them, refused for others).
   * @default none
   * @example registry: glueRegistry({ name: 'sluice' })
   */
  registry?: RegistryRef;
  /**
   * How keys are encoded: UTF-8 text, or framed by the registry (the record's key is then the decoded key as
   * JSON text).
   * @default 'string'
   * @example keyFormat: 'avro'
   */
  keyFormat?: KeyFormat;
  /**
   * The readers' schema text (Avro JSON, .proto or JSON Schema). Avro records written with another version are
   * resolved to it; JSON Schema records are validated against it. A topic output (`registryEncoding`) writes values
   * in it. A syntax error fails at load time, naming the line.
   * @default none: records are read as their writer schema says (and no flow can write the topic)
   * @example schema: JSON.stringify(ordersV2) // the Avro schema as a JS object in a .ts module
   */
  schema?: string;
}

/** One table of `defineTables`. */
export interface TableOptions {
  /**
   * The DynamoDB table name (3-255 of a-z A-Z 0-9 _ - .).
   * @example name: 'customers'
   */
  name: string;
  /**
   * The partition key: an attribute name (a string key) or `{ name, type }`.
   * @example partitionKey: 'customerId'
   */
  partitionKey: string | KeyAttribute;
  /**
   * The sort key, when the table has one.
   * @default none
   * @example sortKey: { name: 'version', type: 'number' }
   */
  sortKey?: string | KeyAttribute;
}

/** Types only: the value type a declaration carries, set by `typed`. */
interface Carries<V> {
  readonly '~value'?: V;
}

/**
 * Declares the value type a topic's records carry, or a table's items: returns the declaration as it is, typed.
 * Types only: nothing is checked at run time (use `validate` for that).
 * @typeParam V - the topic's record value type, or the table's item type
 * @example reviewsClean: typed<Review>({ name: 'reviews.clean', format: 'json', partitions: 3 })
 * @example customers: typed<Customer>({ name: 'customers', partitionKey: 'customerId' })
 */
export function typed<V>(declaration: TopicOptions): TopicOptions & Carries<V>;
export function typed<V>(declaration: TableOptions): TableOptions & Carries<V>;
export function typed(declaration: TopicOptions | TableOptions): TopicOptions | TableOptions {
  return declaration;
}

/**
 * Declares Kafka topics: `defineTopics({ reviewsRaw: { name: 'reviews.raw', format: 'json', partitions: 3 } })`;
 * `internal: true` on a topic that only flows write (see TopicRef.internal); `typed<V>({ … })` declares the
 * value type of its records.
 * @typeParam T - each topic's value type (`unknown` unless declared with `typed`)
 */
export const defineTopics: <T>(declared: { readonly [P in keyof T]: TopicOptions & Carries<T[P]> }) => {
  readonly [P in keyof T]: TopicRef<T[P]>;
} = define('topics', topicSchema, (t) => ({ kind: 'topic', ...t }), checkRegistry);

/**
 * Declares DynamoDB tables: `defineTables({ customers: { name: 'customers', partitionKey: 'customerId' } })`;
 * `typed<Item>({ … })` declares the item type.
 * @typeParam T - each table's item type (any object unless declared with `typed`)
 */
export const defineTables: <T>(declared: { readonly [P in keyof T]: TableOptions & Carries<T[P]> }) => {
  readonly [P in keyof T]: TableRef<unknown extends T[P] ? Record<string, unknown> : T[P]>;
} = define('tables', tableSchema, (t) => ({
  kind: 'table',
  name: t.name,
  partitionKey: Object.freeze(t.partitionKey),
  ...(t.sortKey ? { sortKey: Object.freeze(t.sortKey) } : {}),
}));

export const defineBucket = (declared: { name: string }): BucketRef => {
  const parsed = namedSchema.safeParse(declared);
  if (!parsed.success) throw toConfigError(parsed.error, 'bucket');
  return Object.freeze({ kind: 'bucket', name: parsed.data.name });
};

export const defineIndex = (declared: { name: string }): IndexRef => {
  const parsed = namedSchema.safeParse(declared);
  if (!parsed.success) throw toConfigError(parsed.error, 'index');
  return Object.freeze({ kind: 'index', name: parsed.data.name });
};

export const isTopicRef = (value: unknown): value is TopicRef =>
  typeof value === 'object' &&
  value !== null &&
  (value as TopicRef).kind === 'topic' &&
  typeof (value as TopicRef).name === 'string';

export const isTableRef = (value: unknown): value is TableRef =>
  typeof value === 'object' &&
  value !== null &&
  (value as TableRef).kind === 'table' &&
  typeof (value as TableRef).name === 'string';

export const assertTableRef = (value: unknown, path: string): TableRef => {
  if (!isTableRef(value)) throw new ConfigError(path, 'must be a table declared with defineTables');
  return value;
};
