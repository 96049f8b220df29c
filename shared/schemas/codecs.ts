import { isUtf8 } from 'node:buffer';
import { Ajv, type ValidateFunction } from 'ajv';
import avro from 'avsc';
import protobuf from 'protobufjs';
import { ConfigError, DecodeError, SchemaReason } from '../errors.ts';
import { jsonSyntaxError } from './json-place.ts';

/** The registry formats and the names registries give them (Glue `DataFormat`, Confluent `schemaType`). */
export const SchemaFormat = { Avro: 'avro', Protobuf: 'protobuf', JsonSchema: 'json-schema' } as const;
export type SchemaFormat = (typeof SchemaFormat)[keyof typeof SchemaFormat];

export const GlueDataFormat: Readonly<Record<SchemaFormat, string>> = {
  avro: 'AVRO',
  protobuf: 'PROTOBUF',
  'json-schema': 'JSON',
};
export const ConfluentSchemaType: Readonly<Record<SchemaFormat, string>> = {
  avro: 'AVRO',
  protobuf: 'PROTOBUF',
  'json-schema': 'JSON',
};

/**
 * Which message of a .proto a record holds: Confluent's index path (top-level message, then nested ones), or
 * Glue's index into every message of the file, nested ones included, sorted by full name (AWS's SerDe,
 * MessageIndexFinder).
 */
export type MessageRef = { readonly path: readonly number[] } | { readonly sorted: number };

/** A writer schema compiled once: reads a framed record's body, and writes a value in it. */
export interface Codec {
  readonly format: SchemaFormat;
  decode(body: Buffer, message?: MessageRef): unknown;
  /** Checks a value against the schema and encodes it (throws DecodeError when it does not fit). */
  encode(value: unknown, message?: MessageRef): Buffer;
}

const broken = (message: string, cause?: unknown): DecodeError =>
  new DecodeError(message, { reason: SchemaReason.DeserializationError, cause });

/**
 * Parses a schema's text, for load-time checks: a syntax error is a ConfigError naming `origin` (a file or a
 * topology path) and the line. Returns the parsed form (a JSON object, or protobufjs's Root).
 */
export const parseSchemaText = (format: SchemaFormat, text: string, origin: string): unknown => {
  if (format === SchemaFormat.Protobuf) {
    try {
      return protobuf.parse(text, { keepCase: true }).root;
    } catch (error) {
      throw new ConfigError(origin, `is not a valid .proto schema: ${(error as Error).message}`);
    }
  }
  const syntax = jsonSyntaxError(text);
  if (syntax !== undefined) throw new ConfigError(origin, syntax);
  const parsed: unknown = JSON.parse(text);
  if (format === SchemaFormat.Avro) {
    try {
      avro.Type.forSchema(parsed as avro.Schema);
    } catch (error) {
      throw new ConfigError(origin, `is not a valid Avro schema: ${(error as Error).message}`);
    }
  } else {
    try {
      new Ajv({ strict: false }).compile(parsed as object);
    } catch (error) {
      throw new ConfigError(origin, `is not a valid JSON Schema: ${(error as Error).message}`);
    }
  }
  return parsed;
};

/**
 * Compiles a writer schema (as the registry holds it) and, for Avro, the flow's reader schema: records written
 * with the writer schema are read as the reader schema says (Avro's resolution rules: added fields take their
 * default, removed ones are skipped, promotions apply). Throws DecodeError (DESERIALIZATION_ERROR) when the
 * writer schema does not parse or cannot be read as the reader schema; the caller keeps that answer per schema.
 */
export const compileCodec = (format: SchemaFormat, writer: string, reader?: string): Codec => {
  switch (format) {
    case SchemaFormat.Avro:
      return avroCodec(writer, reader);
    case SchemaFormat.Protobuf:
      return protobufCodec(writer);
    case SchemaFormat.JsonSchema:
      return jsonSchemaCodec(reader ?? writer);
  }
};

const avroCodec = (writerText: string, readerText?: string): Codec => {
  let writer: avro.Type;
  let reader: avro.Type;
  let resolver: ReturnType<avro.Type['createResolver']> | undefined;
  try {
    writer = avro.Type.forSchema(JSON.parse(writerText));
  } catch (error) {
    throw broken(`writer schema does not parse: ${(error as Error).message}`, error);
  }
  try {
    reader = readerText === undefined ? writer : avro.Type.forSchema(JSON.parse(readerText));
    if (reader !== writer) resolver = reader.createResolver(writer);
  } catch (error) {
    throw broken(
      `writer schema cannot be read as the flow's reader schema: ${(error as Error).message}`,
      error,
    );
  }
  return {
    format: SchemaFormat.Avro,
    decode: (body) => {
      try {
        return reader.fromBuffer(body, resolver);
      } catch (error) {
        throw broken(`body does not decode: ${(error as Error).message}`, error);
      }
    },
    encode: (value) => {
      try {
        return writer.toBuffer(value);
      } catch (error) {
        // Only a value that does not fit pays for finding where.
        const problems: string[] = [];
        writer.isValid(value, { errorHook: (path) => problems.push(path.join('.') || '$') });
        throw broken(`value does not fit the schema at ${problems.slice(0, 3).join(', ') || '$'}`, error);
      }
    },
  };
};

/** Every message type of the file, nested ones included, sorted by full name: Glue's message indexes. */
const sortedMessages = (root: protobuf.Root): protobuf.Type[] => {
  const all: protobuf.Type[] = [];
  const walk = (ns: protobuf.NamespaceBase): void => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof protobuf.Type) all.push(nested);
      if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) walk(nested);
    }
  };
  walk(root);
  // Full names without protobufjs's leading dot, compared as Java's String.compareTo does (UTF-16 units).
  return all.sort((a, b) => (a.fullName < b.fullName ? -1 : a.fullName > b.fullName ? 1 : 0));
};

/** Glue's message index of the message at a Confluent-style path (a producer's declared message). */
export const glueMessageIndex = (definition: string, path: readonly number[] = [0]): number => {
  const root = protobuf.parse(definition, { keepCase: true }).root;
  const type = messageAt(root, path);
  const index = type === undefined ? -1 : sortedMessages(root).indexOf(type);
  if (index < 0) throw new Error(`message path [${path.join(', ')}] names no message of the schema`);
  return index;
};

/** Message types in Confluent's order: top-level types in declaration order, each with its nested types. */
const messageAt = (root: protobuf.Root, indexes: readonly number[]): protobuf.Type | undefined => {
  let scope: protobuf.NamespaceBase = root;
  // Top-level messages of the file: the root's nested types, through any package namespaces.
  while (true) {
    const nested = scope.nestedArray;
    if (
      nested.length === 1 &&
      nested[0] instanceof protobuf.Namespace &&
      !(nested[0] instanceof protobuf.Type)
    )
      scope = nested[0];
    else break;
  }
  let type: protobuf.Type | undefined;
  for (const index of indexes) {
    const types: protobuf.Type[] = scope.nestedArray.filter(
      (n): n is protobuf.Type => n instanceof protobuf.Type,
    );
    type = types[index];
    if (type === undefined) return undefined;
    scope = type;
  }
  return type;
};

const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

/** A 64-bit integer as decoding writes it (decimal text), as a Long; anything else as it is. */
const longOf = (text: unknown, type: string): unknown => {
  if (typeof text !== 'string' || !/^-?\d{1,20}$/.test(text) || protobuf.util.Long === undefined) return text;
  // protobufjs types util.Long as a bare constructor; at run time it is long.js's Long, with fromString.
  const Long = protobuf.util.Long as unknown as { fromString(text: string, unsigned: boolean): object };
  const long = Long.fromString(text, type === 'uint64' || type === 'fixed64');
  // Out of range wraps in Long: keep the text then, and verify refuses it.
  return long.toString() === text ? long : text;
};

/**
 * Decoding writes 64-bit integers as decimal text (exact beyond 2^53), which protobufjs's verify refuses: a
 * record read from a Protobuf topic could not be written back. Turns such text into Longs, copying only what
 * changes; other values stay as they are, for verify to judge.
 */
const withLongs = (type: protobuf.Type, value: unknown): unknown => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  let copy: Record<string, unknown> | undefined;
  for (const field of type.fieldsArray) {
    const v = (value as Record<string, unknown>)[field.name];
    if (v === undefined || v === null) continue;
    field.resolve();
    const nested = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
    const long = LONG_TYPES.has(field.type);
    if (!long && nested === undefined) continue;
    const convert = (x: unknown): unknown =>
      long ? longOf(x, field.type) : withLongs(nested as protobuf.Type, x);
    let next: unknown = v;
    if (field.repeated && Array.isArray(v)) next = v.map(convert);
    else if (field.map && typeof v === 'object')
      next = Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, convert(x)]));
    else if (!field.repeated && !field.map) next = convert(v);
    if (next !== v) {
      copy ??= { ...(value as Record<string, unknown>) };
      copy[field.name] = next;
    }
  }
  return copy ?? value;
};

const protobufCodec = (writerText: string): Codec => {
  let root: protobuf.Root;
  try {
    root = protobuf.parse(writerText, { keepCase: true }).root;
    root.resolveAll();
  } catch (error) {
    throw broken(`writer schema does not parse: ${(error as Error).message}`, error);
  }
  let sorted: protobuf.Type[] | undefined;
  const typeOf = (message: MessageRef = { path: [0] }): protobuf.Type => {
    let type: protobuf.Type | undefined;
    if ('sorted' in message) {
      sorted ??= sortedMessages(root);
      type = sorted[message.sorted];
    } else {
      type = messageAt(root, message.path);
    }
    if (type === undefined)
      throw broken(
        `message index ${'sorted' in message ? message.sorted : `[${message.path.join(', ')}]`} names no message of the schema`,
      );
    return type;
  };
  return {
    format: SchemaFormat.Protobuf,
    decode: (body, indexes) => {
      const type = typeOf(indexes);
      try {
        // 64-bit integers as decimal text: a double would round those beyond 2^53.
        return type.toObject(type.decode(body), {
          longs: String,
          enums: String,
          bytes: String,
          defaults: true,
        });
      } catch (error) {
        throw broken(`body does not decode as ${type.fullName.slice(1)}: ${(error as Error).message}`, error);
      }
    },
    encode: (value, indexes) => {
      const type = typeOf(indexes);
      value = withLongs(type, value);
      const problem = type.verify(value as Record<string, unknown>);
      if (problem !== null) throw broken(`value does not fit ${type.fullName.slice(1)}: ${problem}`);
      return Buffer.from(type.encode(type.fromObject(value as Record<string, unknown>)).finish());
    },
  };
};

const jsonSchemaCodec = (schemaText: string): Codec => {
  let validate: ValidateFunction;
  try {
    validate = new Ajv({ strict: false, allErrors: false }).compile(JSON.parse(schemaText));
  } catch (error) {
    throw broken(`schema does not compile: ${(error as Error).message}`, error);
  }
  const check = (value: unknown): void => {
    if (!validate(value)) {
      const first = validate.errors?.[0];
      throw broken(
        `value does not match the schema: ${first?.instancePath || '$'} ${first?.message ?? ''}`.trim(),
      );
    }
  };
  return {
    format: SchemaFormat.JsonSchema,
    decode: (body) => {
      if (!isUtf8(body)) throw broken('body is not valid UTF-8');
      let value: unknown;
      try {
        value = JSON.parse(body.toString('utf8'));
      } catch (error) {
        throw broken(`body is not valid JSON: ${(error as Error).message}`, error);
      }
      check(value);
      return value;
    },
    encode: (value) => {
      check(value);
      return Buffer.from(JSON.stringify(value), 'utf8');
    },
  };
};
