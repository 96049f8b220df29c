import type { GlueClient } from '@aws-sdk/client-glue';
import { ConfigError, DecodeError, EncodeError, SluiceError } from '../errors.ts';
import type { TopicRef } from '../topology/resources.ts';
import {
  type Codec,
  ConfluentSchemaType,
  compileCodec,
  type SchemaFormat as Format,
  glueMessageIndex,
  type MessageRef,
  parseSchemaText,
  SchemaFormat,
} from './codecs.ts';
import { glueVersionOf, registerGlueSchema } from './glue-register.ts';
import type { ConfluentRegistryRef, GlueRegistryRef, RegistryRef } from './registry.ts';
import { confluentAuthorization, confluentCall, type Fetch, glueClient, glueFailure } from './sources.ts';
import { confluentFrame, glueFrame } from './wire.ts';

/** Options of `glueEncoding`. */
export interface GlueEncodingOptions {
  /**
   * The Glue schema (subject) the declared definition is a version of.
   * @example schemaName: 'orders-value'
   */
  readonly schemaName: string;
  /**
   * Register the definition when the registry does not hold it yet (opt-in: producers normally only look up).
   * @default false
   * @example register: true
   */
  readonly register?: boolean;
  /**
   * zlib-compress bodies (Glue compression byte 5).
   * @default false
   * @example compress: true
   */
  readonly compress?: boolean;
  /** The Glue client (tests). @default the registry region's client */
  readonly client?: Promise<Pick<GlueClient, 'send'>>;
}

/** Encodes values in a declared schema, framed for a registry; a value that does not fit throws EncodeError. */
export interface SchemaEncoder {
  /**
   * Looks the declared schema up (once per execution environment): a RetriableError when the registry cannot
   * answer (unreachable, throttling, 5xx), a ConfigError when it does not hold the schema and registering is off.
   */
  readonly ready: () => Promise<void>;
  /** The framed bytes of `value` (after `ready`). */
  readonly encode: (value: unknown) => Buffer;
}

/**
 * Encoding for a topic output with a declared schema on a Glue registry: the definition's schema version id is
 * looked up by definition (GetSchemaByDefinition) at first use, or registered when `register` is set; each value is
 * checked against the schema as it is encoded.
 */
export const glueEncoding = (
  registry: GlueRegistryRef,
  format: Format,
  definition: string,
  options: GlueEncodingOptions,
): SchemaEncoder => {
  const codec: Codec = compileCodec(format, definition);
  // A producer writes the file's first message; Glue names it by its place among the sorted message names.
  const messageIndex = format === 'protobuf' ? glueMessageIndex(definition) : undefined;
  let versionId: Promise<string> | undefined;
  let resolved: string | undefined;
  const client = options.client ?? glueClient(registry.region);
  return {
    ready: async () => {
      versionId ??= (async () => {
        const glue = await client;
        let found: string | undefined;
        try {
          found = options.register
            ? await registerGlueSchema(glue, registry, options.schemaName, format, definition)
            : await glueVersionOf(glue, registry, options.schemaName, definition);
        } catch (error) {
          if (error instanceof SluiceError) throw error;
          throw glueFailure(
            error,
            `${options.register ? 'registering' : 'GetSchemaByDefinition of'} schema ${options.schemaName}`,
          );
        }
        if (found === undefined)
          throw new ConfigError(
            `registry ${registry.name} schema ${options.schemaName}`,
            'does not hold the declared definition: register it (npm start, or register: true)',
          );
        return found;
      })();
      versionId.catch(() => {
        versionId = undefined;
      });
      resolved = await versionId;
    },
    encode: (value) => {
      if (resolved === undefined) throw new SluiceError('schema encoder used before ready()');
      const body = encodeBody(
        codec,
        value,
        messageIndex === undefined ? undefined : { sorted: messageIndex },
        options.schemaName,
      );
      return glueFrame(resolved, body, {
        ...(messageIndex === undefined ? {} : { messageIndex }),
        ...(options.compress ? { compress: true } : {}),
      });
    },
  };
};

/** A value in the declared schema; a value that does not fit is an EncodeError (the codec speaks as a decoder). */
const encodeBody = (
  codec: Codec,
  value: unknown,
  message: MessageRef | undefined,
  schema: string,
): Buffer => {
  try {
    return codec.encode(value, message);
  } catch (error) {
    const reason = error instanceof DecodeError ? error.reason : undefined;
    throw new EncodeError(
      `${schema}: ${(error as Error).message}`,
      reason === undefined ? { cause: error } : { reason, cause: error },
    );
  }
};

/** Options of `confluentEncoding`. */
export interface ConfluentEncodingOptions {
  /**
   * The subject the declared definition is a version of.
   * @example subject: 'orders-value'
   */
  readonly subject: string;
  /**
   * Register the definition under the subject when the registry does not hold it yet.
   * @default false
   * @example register: true
   */
  readonly register?: boolean;
  /** `fetch` and the secret reader (tests). @default the global fetch and Secrets Manager */
  readonly fetch?: Fetch;
  readonly secret?: (id: string) => Promise<string>;
}

/**
 * Encoding for a topic output with a declared schema on a Confluent-compatible registry: the definition's id is
 * looked up under the subject at first use (`POST /subjects/{subject}`), or registered when `register` is set
 * (`POST /subjects/{subject}/versions`); values are framed with magic byte 0 and the 4-byte id (Protobuf: the
 * file's first message, index path [0]).
 */
export const confluentEncoding = (
  registry: ConfluentRegistryRef,
  format: Format,
  definition: string,
  options: ConfluentEncodingOptions,
): SchemaEncoder => {
  const codec: Codec = compileCodec(format, definition);
  const protobuf = format === SchemaFormat.Protobuf;
  const authorization = confluentAuthorization(registry, options.secret);
  // Confluent's API takes no schemaType for Avro (its default), and older registries know no other.
  const body = {
    schema: definition,
    ...(format === SchemaFormat.Avro ? {} : { schemaType: ConfluentSchemaType[format] }),
  };
  const subject = encodeURIComponent(options.subject);
  let schemaId: Promise<number> | undefined;
  let resolved: number | undefined;
  const idOf = (status: number, answer: Record<string, unknown>, what: string): number => {
    if (status === 200 && typeof answer.id === 'number') return answer.id;
    throw new ConfigError(
      `registry ${registry.url} subject ${options.subject}`,
      `${what} answered ${status}: ${String(answer.message ?? '')}`,
    );
  };
  return {
    ready: async () => {
      schemaId ??= (async () => {
        const call = (path: string) =>
          confluentCall(registry, authorization, path, { method: 'POST', body }, options.fetch);
        const found = await call(`/subjects/${subject}`);
        if (found.status !== 404) return idOf(found.status, found.body, 'looking the schema up');
        if (!options.register)
          throw new ConfigError(
            `registry ${registry.url} subject ${options.subject}`,
            'does not hold the declared definition: register it (or register: true)',
          );
        const created = await call(`/subjects/${subject}/versions`);
        return idOf(created.status, created.body, 'registering the schema');
      })();
      schemaId.catch(() => {
        schemaId = undefined;
      });
      resolved = await schemaId;
    },
    encode: (value) => {
      if (resolved === undefined) throw new SluiceError('schema encoder used before ready()');
      const encoded = encodeBody(codec, value, protobuf ? { path: [0] } : undefined, options.subject);
      return confluentFrame(resolved, encoded, protobuf ? [0] : undefined);
    },
  };
};

/** Options of `registryEncoding`. */
export interface RegistryEncodingOptions {
  /**
   * The Glue schema, or the Confluent subject, the topic's declared schema is a version of.
   * @default Glue: the topic's name (what AWS's Glue SerDe names a topic's schema by default); Confluent:
   *   `<topic>-value` (its TopicNameStrategy)
   * @example schemaName: 'orders-value'
   */
  readonly schemaName?: string;
  /**
   * Register the declared schema when the registry does not hold it yet. Off, a schema the registry lacks fails
   * the batch (ConfigError) and the records wait in Kafka until it is registered (`npm start` registers the
   * reference schemas).
   * @default false
   * @example register: true
   */
  readonly register?: boolean;
  /**
   * zlib-compress values (Glue compression byte 5; Glue only).
   * @default false
   * @example compress: true
   */
  readonly compress?: boolean;
  /** The Glue client (tests). @default the registry region's client, created once per execution environment */
  readonly client?: Promise<Pick<GlueClient, 'send'>>;
}

/** A topic output's encoding, bound to its topic by `toTopic`: data for the CDK grants, and the encoder. */
export interface TopicEncoding {
  readonly registry: RegistryRef;
  readonly format: Format;
  readonly schemaName: string;
  readonly register: boolean;
  /** The encoder, made once per output (on the first write, with the output's producer). */
  readonly encoder: () => SchemaEncoder;
  /**
   * Checks a value against the declared schema without a registry (EncodeError when it does not fit): what the
   * flow test kit runs, since it calls no registry.
   */
  readonly check: (value: unknown) => void;
}

/**
 * What a flow passes to `toTopic(topic, { encoding })`: values are written in the topic's declared `schema`, framed
 * for its registry. Kept out of `toTopic` itself so that only flows writing registry topics bundle avsc,
 * protobufjs and ajv (esbuild inlines even a dynamic import into a flow's one-file bundle).
 */
export interface RegistryEncoding {
  readonly kind: 'registry-encoding';
  /** Checks the topic at load time (ConfigError naming `path`) and binds the encoding to it. */
  readonly bind: (topic: TopicRef, path: string) => TopicEncoding;
}

const GLUE_SCHEMA_NAME = /^[a-zA-Z0-9\-_$#.]{1,255}$/;

/**
 * Encoding for a registry topic output: `toTopic(topics.orders, { encoding: registryEncoding() })`. Each value is
 * checked against the topic's declared schema as it is encoded; a value that does not fit is dead-lettered (stage
 * `output`, reason DESERIALIZATION_ERROR), never the batch. The schema's id is looked up by definition on the first
 * write (Glue GetSchemaByDefinition; Confluent `POST /subjects/{subject}`), or registered with `register: true`; a
 * registry that cannot answer fails the batch as retriable. Keys stay UTF-8 strings.
 * @example toTopic(topics.orders, { encoding: registryEncoding({ register: true }) })
 */
export const registryEncoding = (options: RegistryEncodingOptions = {}): RegistryEncoding => {
  const known = new Set(['schemaName', 'register', 'compress', 'client']);
  for (const key of Object.keys(options ?? {}))
    if (!known.has(key))
      throw new ConfigError(`registryEncoding.${key}`, 'is not an option (schemaName, register, compress)');
  if (options.schemaName !== undefined && !GLUE_SCHEMA_NAME.test(String(options.schemaName)))
    throw new ConfigError(
      'registryEncoding.schemaName',
      'must be a Glue schema name or Confluent subject (1-255 of a-z A-Z 0-9 - _ $ # .)',
    );
  for (const flag of ['register', 'compress'] as const)
    if (options[flag] !== undefined && typeof options[flag] !== 'boolean')
      throw new ConfigError(`registryEncoding.${flag}`, 'must be true or false');
  return Object.freeze({
    kind: 'registry-encoding',
    bind: (topic: TopicRef, path: string): TopicEncoding => {
      const registry = topic.registry;
      const format = topic.format as Format;
      if (registry === undefined || !Object.values(SchemaFormat).includes(format))
        throw new ConfigError(
          `${path}.encoding`,
          `is for avro, protobuf and json-schema topics on a registry (${topic.name} is ${topic.format})`,
        );
      if (registry.type === 'confluent' && options.compress)
        throw new ConfigError(
          `${path}.encoding.compress`,
          'is for Glue registries (Confluent framing has no compression)',
        );
      if (topic.schema === undefined)
        throw new ConfigError(
          `topics.${topic.name}.schema`,
          `a ${format} topic that a flow writes needs its declared schema (the text its values are written in)`,
        );
      if (topic.keyFormat !== undefined && topic.keyFormat !== 'string')
        throw new ConfigError(
          `topics.${topic.name}.keyFormat`,
          `${topic.keyFormat} keys are read, not written: a topic output writes keys as UTF-8 strings (keyFormat 'string')`,
        );
      const definition = topic.schema;
      parseSchemaText(format, definition, `topics.${topic.name}.schema`);
      const schemaName =
        options.schemaName ?? (registry.type === 'glue' ? topic.name : `${topic.name}-value`);
      const register = options.register ? { register: true } : {};
      let codec: Codec | undefined;
      return Object.freeze({
        check: (value: unknown) => {
          if (value === null || value === undefined) return;
          codec ??= compileCodec(format, definition);
          // The file's first message: what both framings write (Glue names it by its sorted place).
          encodeBody(codec, value, format === SchemaFormat.Protobuf ? { path: [0] } : undefined, schemaName);
        },
        registry,
        format,
        schemaName,
        register: options.register ?? false,
        encoder: () =>
          registry.type === 'glue'
            ? glueEncoding(registry, format, definition, {
                schemaName,
                ...register,
                ...(options.compress ? { compress: true } : {}),
                ...(options.client ? { client: options.client } : {}),
              })
            : confluentEncoding(registry, format, definition, { subject: schemaName, ...register }),
      });
    },
  });
};
