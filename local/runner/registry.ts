import { GlueClient } from '@aws-sdk/client-glue';
import { ConfigError } from '../../shared/errors.ts';
import { type Codec, compileCodec, type SchemaFormat } from '../../shared/schemas/codecs.ts';
import { confluentEncoding, glueEncoding, type SchemaEncoder } from '../../shared/schemas/encoding.ts';
import { glueVersionOf, registerGlueSchema } from '../../shared/schemas/glue-register.ts';
import type { GlueRegistryRef } from '../../shared/schemas/registry.ts';
import { confluentSource, glueSource, type SchemaSource } from '../../shared/schemas/sources.ts';
import { parseFrame } from '../../shared/schemas/wire.ts';
import type { TopicRef } from '../../shared/topology/resources.ts';
import { localAwsConfig } from '../services/aws-local.ts';
import type { LocalState } from '../services/state.ts';

/** The Glue Schema Registry of the local moto server (the server that also serves S3). */
export const localGlue = (state: LocalState): GlueClient => {
  const endpoint = state.s3?.endpoint;
  if (!endpoint)
    throw new Error('s3 is not running (moto serves Glue too): start it with npm run servers -- up s3');
  return new GlueClient(localAwsConfig(endpoint));
};

/** A registry topic whose schema the topology declares on a Glue registry: what `npm start` registers. */
const gluePublished = (topic: TopicRef): topic is TopicRef & { registry: GlueRegistryRef; schema: string } =>
  topic.registry?.type === 'glue' && topic.schema !== undefined;

export interface RegisteredSchema {
  readonly registry: string;
  /** The Glue schema name: the topic's name, as AWS's SerDe and `registryEncoding` name it. */
  readonly schemaName: string;
  readonly versionId: string;
  /** False when the registry already held the definition (a second start reuses it). */
  readonly created: boolean;
}

/**
 * Registers the declared schema of every Glue registry topic as a version of the schema named after the topic,
 * creating the registry and the schema when missing (as the order service's producer would on its first send).
 * Idempotent: a definition the registry holds answers its version id and registers nothing.
 */
export const registerTopicSchemas = async (
  topics: readonly TopicRef[],
  glue: Pick<GlueClient, 'send'>,
): Promise<RegisteredSchema[]> => {
  const registered: RegisteredSchema[] = [];
  for (const topic of topics.filter(gluePublished)) {
    const format = topic.format as SchemaFormat;
    const held = await glueVersionOf(glue, topic.registry, topic.name, topic.schema);
    const versionId =
      held ?? (await registerGlueSchema(glue, topic.registry, topic.name, format, topic.schema));
    registered.push({
      registry: topic.registry.name,
      schemaName: topic.name,
      versionId,
      created: held === undefined,
    });
  }
  return registered;
};

/**
 * Encodes JSON values in a registry topic's declared schema, framed as its registry's producers frame them (Glue:
 * the schema named after the topic on the local moto registry; Confluent: subject `<topic>-value` at the topic's
 * registry url), after looking the schema up once: the registry must hold it (`npm start` registers the
 * reference schemas). Undefined for a topic that carries JSON, text or bytes.
 */
export const topicEncoder = async (
  topic: TopicRef,
  glue: Pick<GlueClient, 'send'>,
): Promise<((value: unknown) => Buffer) | undefined> => {
  const registry = topic.registry;
  if (registry === undefined) return undefined;
  if (topic.schema === undefined)
    throw new ConfigError(
      `topics.${topic.name}.schema`,
      `values for the ${topic.format} topic ${topic.name} are encoded in its declared schema: declare one`,
    );
  const format = topic.format as SchemaFormat;
  const encoder: SchemaEncoder =
    registry.type === 'glue'
      ? glueEncoding(registry, format, topic.schema, {
          schemaName: topic.name,
          client: Promise.resolve(glue),
        })
      : confluentEncoding(registry, format, topic.schema, { subject: `${topic.name}-value` });
  await encoder.ready();
  return encoder.encode;
};

/** A registry record read back: the decoded value, or why it does not decode, and the schema id its framing names. */
export type Decoded =
  | { readonly value: unknown; readonly schemaId: string }
  | { readonly error: string; readonly schemaId?: string };

/**
 * Decodes a registry topic's framed bytes as the flows do (writer schema by the id in the framing, fetched once;
 * Avro read as the topic's declared schema when it has one), for tools that print records. Glue schemas come
 * from the local moto registry, Confluent ones from the topic's registry url. Undefined for other topics.
 */
export const topicDecoder = (
  topic: TopicRef,
  glue: Pick<GlueClient, 'send'>,
  format: SchemaFormat | undefined = topic.format as SchemaFormat,
  reader: string | undefined = topic.schema,
): ((bytes: Buffer) => Promise<Decoded>) | undefined => {
  const registry = topic.registry;
  if (registry === undefined || format === undefined) return undefined;
  const source: SchemaSource =
    registry.type === 'glue' ? glueSource(registry, Promise.resolve(glue)) : confluentSource(registry);
  const codecs = new Map<string, Promise<Codec | string>>();
  const codecOf = (id: string): Promise<Codec | string> => {
    let codec = codecs.get(id);
    if (codec === undefined) {
      codec = source
        .fetch(id)
        .then((writer) =>
          writer === undefined
            ? `SCHEMA_NOT_FOUND: the registry holds no schema ${id}`
            : compileCodec(format, writer.definition, format === 'avro' ? reader : undefined),
        )
        .catch((error: unknown) => `schema ${id}: ${(error as Error).message}`);
      codecs.set(id, codec);
    }
    return codec;
  };
  return async (bytes) => {
    let schemaId: string | undefined;
    try {
      const frame = parseFrame(bytes, registry.type, format === 'protobuf');
      schemaId = frame.schemaId;
      const codec = await codecOf(frame.schemaId);
      if (typeof codec === 'string') return { error: codec, schemaId };
      return { value: codec.decode(frame.body, frame.message), schemaId };
    } catch (error) {
      return { error: (error as Error).message, ...(schemaId === undefined ? {} : { schemaId }) };
    }
  };
};
