import type { GlueClient } from '@aws-sdk/client-glue';
import { ConfigError, DecodeError, SchemaReason } from '../errors.ts';
import { type Codec, compileCodec, glueMessageIndex, type SchemaFormat } from './codecs.ts';
import { glueVersionOf, registerGlueSchema } from './glue-register.ts';
import type { GlueRegistryRef } from './registry.ts';
import { glueClient } from './sources.ts';
import { glueFrame } from './wire.ts';

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

/** Encodes values in a declared schema, framed for a registry; a value that does not fit throws DESERIALIZATION_ERROR. */
export interface SchemaEncoder {
  /** Looks the declared schema up (once per execution environment); retriable when the registry cannot answer. */
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
  format: SchemaFormat,
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
        const found = options.register
          ? await registerGlueSchema(glue, registry, options.schemaName, format, definition)
          : await glueVersionOf(glue, registry, options.schemaName, definition);
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
      if (resolved === undefined)
        throw new DecodeError('encoder used before ready()', { reason: SchemaReason.SchemaNotFound });
      return glueFrame(
        resolved,
        codec.encode(value, messageIndex === undefined ? undefined : { sorted: messageIndex }),
        {
          ...(messageIndex === undefined ? {} : { messageIndex }),
          ...(options.compress ? { compress: true } : {}),
        },
      );
    },
  };
};
