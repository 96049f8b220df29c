import { isUtf8 } from 'node:buffer';
import { DecodeError } from '../errors.ts';
import { firstUnsafeInteger, mayHoldUnsafeInteger, pathOfNumber } from './big-integers.ts';

/**
 * How a topic's record values are encoded. Avro, Protobuf and JSON Schema are framed by a schema registry
 * (`shared/schemas/`): a flow reading them passes `schemas: registryDecoding(topic)`.
 */
export const ValueFormat = {
  Json: 'json',
  String: 'string',
  Bytes: 'bytes',
  Avro: 'avro',
  Protobuf: 'protobuf',
  JsonSchema: 'json-schema',
} as const;
export type ValueFormat = (typeof ValueFormat)[keyof typeof ValueFormat];

/** The formats whose records carry a registry's framing and need a registry to be read. */
export const RegistryFormats: readonly ValueFormat[] = [
  ValueFormat.Avro,
  ValueFormat.Protobuf,
  ValueFormat.JsonSchema,
];

/** Turns a value's bytes into the value steps see. Throws DecodeError for bytes that are not in the format. */
export type ValueDecoder = (bytes: Buffer) => unknown;

const decodeJson: ValueDecoder = (bytes) => {
  // JSON is UTF-8 by definition; without this check invalid bytes would turn into U+FFFD and parse "fine".
  if (!isUtf8(bytes)) throw new DecodeError('value is not valid UTF-8');
  const text = bytes.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DecodeError(`value is not valid JSON: ${(error as Error).message}`);
  }
  if (mayHoldUnsafeInteger(text)) {
    const token = firstUnsafeInteger(text);
    if (token !== undefined) {
      const at = pathOfNumber(value, Number(token)) ?? '$';
      throw new DecodeError(
        `integer ${token.length > 40 ? `${token.slice(0, 40)}…` : token} at ${at} exceeds 2^53 and would be silently rounded (send it as a string)`,
      );
    }
  }
  return value;
};

const decodeString: ValueDecoder = (bytes) => {
  if (!isUtf8(bytes)) throw new DecodeError('value is not valid UTF-8');
  return bytes.toString('utf8');
};

const decodeBytes: ValueDecoder = (bytes) => bytes;

const needsRegistry: ValueDecoder = () => {
  throw new DecodeError('values need a registry: pass schemas: registryDecoding(topic) to defineFlow');
};

/**
 * The seam between decoding and `shared/schemas/`: made by `registryDecoding(topic)` in a flow file, so only
 * flows that read a registry topic bundle the Avro, Protobuf and JSON Schema libraries.
 */
export interface SchemaDecoding {
  readonly kind: 'schema-decoding';
  /** The topic it reads (checked against the flow's source by defineFlow). */
  readonly topic: string;
  /**
   * Where records are deserialised: in the function (`function`, every mode), or by the event-source
   * mapping's own `SchemaRegistryConfig` (`mapping`, provisioned mode only).
   */
  readonly where: 'function' | 'mapping';
  /**
   * Fetches the writer schemas this event names that were not seen yet. Throws a retriable error when the
   * registry cannot be reached (the batch is retried, nothing dead-lettered).
   */
  readonly prepare: (event: unknown) => Promise<void>;
  /** The value decoder (synchronous: schemas are in memory after `prepare`). */
  readonly value: ValueDecoder;
  /** The key decoder when keys are registry-framed too: the key becomes the decoded value as JSON text. */
  readonly key?: (bytes: Buffer) => string;
}

export const defaultDecoders: Readonly<Record<ValueFormat, ValueDecoder>> = {
  json: decodeJson,
  string: decodeString,
  bytes: decodeBytes,
  avro: needsRegistry,
  protobuf: needsRegistry,
  'json-schema': needsRegistry,
};
