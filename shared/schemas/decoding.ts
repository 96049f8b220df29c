import { defaultDecoders, type SchemaDecoding } from '../decode/formats.ts';
import { ConfigError, DecodeError, SchemaReason } from '../errors.ts';
import type { TopicRef } from '../topology/resources.ts';
import { parseSchemaText, type SchemaFormat } from './codecs.ts';
import { type SchemaSource, schemaSource } from './sources.ts';
import { parseFrame, uuidText } from './wire.ts';
import { type SchemaEntry, WriterSchemas, type WriterSchemasOptions } from './writer-schemas.ts';

/** Options of `registryDecoding`. */
export interface RegistryDecodingOptions {
  /**
   * Where records are deserialised: in the function (every mode), or by the event-source mapping's own
   * `SchemaRegistryConfig` (provisioned mode only; the CDK app refuses it otherwise).
   * @default 'function'
   * @example where: 'mapping'
   */
  readonly where?: 'function' | 'mapping';
  /**
   * With `where: 'mapping'`: what the mapping hands the function. `JSON`: the deserialised record as JSON;
   * `SOURCE`: the original bytes (validated by the mapping, decoded again here).
   * @default 'JSON'
   * @example eventRecordFormat: 'SOURCE'
   */
  readonly eventRecordFormat?: 'JSON' | 'SOURCE';
  /**
   * Bounds of the per-environment writer-schema cache.
   * @default { maxEntries: 1000, missingTtlMs: 60000 }
   * @example cache: { maxEntries: 100 }
   */
  readonly cache?: WriterSchemasOptions;
  /** Where writer schemas come from (tests, the benchmark). @default the topic's registry */
  readonly source?: SchemaSource;
}

/** The decoding a flow file passes to defineFlow: `schemas: registryDecoding(topics.orders)`. */
export interface RegistryDecoding extends SchemaDecoding {
  readonly registry: NonNullable<TopicRef['registry']>;
  readonly format: SchemaFormat;
  readonly keyFormat: TopicRef['keyFormat'];
  readonly eventRecordFormat?: 'JSON' | 'SOURCE';
  /** Registry calls made so far in this execution environment. */
  readonly registryCalls: () => number;
}

/** The first 24 base64 characters hold 18 bytes: every framing header (Glue's is the longest). */
const HEADER_BASE64_CHARS = 24;

/**
 * Decoding for a registry topic. Before each batch, `prepare` reads the schema id of every record (from the first
 * bytes of its base64 only) and fetches the writer schemas not seen yet; then records decode synchronously.
 * Unknown ids and bytes that do not decode are dead letters (SCHEMA_NOT_FOUND, DESERIALIZATION_ERROR); a registry
 * that cannot answer fails the batch, which is retried with its records.
 */
export const registryDecoding = (
  topic: TopicRef,
  options: RegistryDecodingOptions = {},
): RegistryDecoding => {
  const path = `topics.${topic.name}`;
  const registry = topic.registry;
  if (registry === undefined)
    throw new ConfigError(
      `${path}.registry`,
      `registryDecoding needs a registry topic (${topic.name} is ${topic.format})`,
    );
  const format = topic.format as SchemaFormat;
  if (topic.schema !== undefined) parseSchemaText(format, topic.schema, `${path}.schema`);
  const where = options.where ?? 'function';
  const eventRecordFormat = where === 'mapping' ? (options.eventRecordFormat ?? 'JSON') : undefined;
  const keyFormat = topic.keyFormat ?? 'string';
  const common = { kind: 'schema-decoding', topic: topic.name, where, registry, format, keyFormat } as const;

  if (eventRecordFormat === 'JSON') {
    // The mapping already turned each value (and registry key) into JSON: no registry call in the function.
    const json = defaultDecoders.json;
    return Object.freeze({
      ...common,
      eventRecordFormat,
      prepare: async () => {},
      value: json,
      ...(keyFormat === 'string' ? {} : { key: (bytes: Buffer) => JSON.stringify(json(bytes)) }),
      registryCalls: () => 0,
    });
  }

  const protobuf = format === 'protobuf';
  const values = new WriterSchemas(
    options.source ?? schemaSource(registry),
    format,
    topic.schema,
    options.cache,
  );
  const keys =
    keyFormat === 'string'
      ? undefined
      : new WriterSchemas(options.source ?? schemaSource(registry), keyFormat, undefined, options.cache);
  let valueBatch = new Map<string, SchemaEntry>();
  let keyBatch = new Map<string, SchemaEntry>();

  const decodeWith = (batch: Map<string, SchemaEntry>, bytes: Buffer, isProtobuf: boolean): unknown => {
    const frame = parseFrame(bytes, registry.type, isProtobuf);
    const entry = batch.get(frame.schemaId);
    if (entry === undefined)
      // Only when a record reaches decoding without `prepare` having seen it: not a content problem.
      throw new DecodeError(`names schema ${frame.schemaId}, which was not fetched`, {
        reason: SchemaReason.SchemaNotFound,
      });
    if ('error' in entry) throw entry.error;
    return entry.codec.decode(frame.body, frame.message);
  };

  return Object.freeze({
    ...common,
    ...(eventRecordFormat === undefined ? {} : { eventRecordFormat }),
    prepare: async (event: unknown) => {
      const valueIds = new Set<string>();
      const keyIds = new Set<string>();
      const groups = (event as { records?: Record<string, unknown> } | undefined)?.records;
      if (groups != null && typeof groups === 'object') {
        for (const group of Object.values(groups)) {
          if (!Array.isArray(group)) continue;
          for (const record of group as { key?: unknown; value?: unknown }[]) {
            const v = schemaIdOf(record?.value, registry.type);
            if (v !== undefined) valueIds.add(v);
            if (keys !== undefined) {
              const k = schemaIdOf(record?.key, registry.type);
              if (k !== undefined) keyIds.add(k);
            }
          }
        }
      }
      valueBatch = await values.load(valueIds);
      if (keys !== undefined) keyBatch = await keys.load(keyIds);
    },
    value: (bytes: Buffer) => decodeWith(valueBatch, bytes, protobuf),
    ...(keys === undefined
      ? {}
      : {
          key: (bytes: Buffer) => {
            const key = decodeWith(keyBatch, bytes, keyFormat === 'protobuf');
            return typeof key === 'string' ? key : JSON.stringify(key);
          },
        }),
    registryCalls: () => values.calls + (keys?.calls ?? 0),
  });
};

/** The schema id in a base64 value's framing, or undefined when it has none (decoding will say why). */
const schemaIdOf = (base64: unknown, registry: 'glue' | 'confluent'): string | undefined => {
  if (typeof base64 !== 'string' || base64.length === 0) return undefined;
  const head = Buffer.from(base64.slice(0, HEADER_BASE64_CHARS), 'base64');
  if (registry === 'confluent')
    return head.length >= 5 && head[0] === 0 ? String(head.readUInt32BE(1)) : undefined;
  if (head.length < 18 || head[0] !== 3) return undefined;
  return uuidText(head.subarray(2, 18));
};
