import { ConfigError } from '../errors.ts';
import type { ParquetType } from '../outputs/lake-parquet.ts';
import type { TopicRef } from '../topology/resources.ts';
import { parseSchemaText, SchemaFormat } from './codecs.ts';

type AvroSchema = string | readonly AvroSchema[] | { readonly [key: string]: unknown };

/** Avro primitives and the lake column each becomes. */
const PRIMITIVE: Readonly<Record<string, ParquetType | undefined>> = {
  boolean: 'BOOLEAN',
  int: 'INT32',
  long: 'INT64',
  float: 'DOUBLE',
  double: 'DOUBLE',
  string: 'STRING',
};

/**
 * Logical types whose column is not their underlying type's. `timestamp-millis` is the only one the lake's
 * TIMESTAMP reads right (it takes epoch milliseconds); micros and local times stay INT64, as written.
 */
const LOGICAL: Readonly<Record<string, ParquetType | undefined>> = {
  'timestamp-millis': 'TIMESTAMP',
  uuid: 'STRING',
};

const refuseType = (path: string, what: string): never => {
  throw new ConfigError(
    path,
    `${what} has no lake column (the lake's Parquet columns are BOOLEAN, INT32, INT64, DOUBLE, STRING, TIMESTAMP and JSON): carry amounts as long minor units, bytes as base64 strings`,
  );
};

/**
 * The Parquet column of one Avro field type. Nested records, arrays, maps and unions of several non-null
 * branches become JSON columns (Parquet's JSON logical type: the value as JSON text, read in Athena with
 * json_extract), so every top-level field is one column and no row shape is declared twice. `["null", T]` is T's
 * column (every lake column is nullable).
 */
const columnOf = (type: AvroSchema, path: string, named: Map<string, ParquetType>): ParquetType => {
  if (typeof type === 'string') {
    if (type === 'null') return refuseType(path, 'a field that is always null');
    if (type === 'bytes') return refuseType(path, 'Avro bytes');
    const primitive = PRIMITIVE[type];
    if (primitive !== undefined) return primitive;
    const reference = named.get(type) ?? named.get(type.split('.').pop() ?? type);
    if (reference === undefined) throw new ConfigError(path, `names the undefined Avro type "${type}"`);
    return reference;
  }
  if (Array.isArray(type)) {
    const branches = type.filter((branch) => branch !== 'null');
    if (branches.length === 0) return refuseType(path, 'a union of null alone');
    if (branches.length === 1) return columnOf(branches[0] as AvroSchema, path, named);
    for (const [i, branch] of branches.entries()) columnOf(branch as AvroSchema, `${path}[${i}]`, named);
    return 'JSON';
  }
  const object = type as { readonly [key: string]: unknown };
  const name = (column: ParquetType): ParquetType => {
    if (typeof object.name === 'string') {
      const namespace = typeof object.namespace === 'string' ? `${object.namespace}.` : '';
      named.set(object.name.includes('.') ? object.name : `${namespace}${object.name}`, column);
      named.set(object.name.split('.').pop() ?? object.name, column);
    }
    return column;
  };
  const logical = typeof object.logicalType === 'string' ? object.logicalType : undefined;
  if (logical === 'decimal') return refuseType(path, 'Avro decimal');
  if (logical !== undefined && LOGICAL[logical] !== undefined) return name(LOGICAL[logical]);
  switch (object.type) {
    case 'record': {
      name('JSON');
      // Nested named types must be known to later fields that name them.
      for (const field of (object.fields ?? []) as readonly { name: string; type: AvroSchema }[])
        columnOf(field.type, `${path}.${field.name}`, named);
      return 'JSON';
    }
    case 'array':
      columnOf(object.items as AvroSchema, `${path}[]`, named);
      return 'JSON';
    case 'map':
      columnOf(object.values as AvroSchema, `${path}{}`, named);
      return 'JSON';
    case 'enum':
      return name('STRING');
    case 'fixed':
      return refuseType(path, 'Avro fixed');
    default:
      return columnOf(object.type as AvroSchema, path, named);
  }
};

/**
 * The lake's Parquet columns for a record of an Avro topic, derived from the topic's declared schema: one column
 * per top-level field, in the schema's order (see `columnOf` for the mapping). Use with `line: (r) => r.value`:
 * `toS3({ format: 'parquet', columns: lakeColumnsOf(topics.orders), line: (r) => r.value })`. A topic without a
 * declared Avro schema, or a field type the lake cannot hold (bytes, fixed, decimal), is a ConfigError naming the
 * field.
 * @example columns: lakeColumnsOf(topics.orders) // { orderId: 'STRING', orderTime: 'TIMESTAMP', lines: 'JSON', … }
 */
export const lakeColumnsOf = (topic: TopicRef): Record<string, ParquetType> => {
  const path = `topics.${topic.name}.schema`;
  if (topic.format !== SchemaFormat.Avro || topic.schema === undefined)
    throw new ConfigError(
      path,
      `lake columns are derived from a declared Avro schema (${topic.name} has none)`,
    );
  const schema = parseSchemaText(SchemaFormat.Avro, topic.schema, path) as AvroSchema;
  const named = new Map<string, ParquetType>();
  const record = schema as { type?: unknown; fields?: readonly { name: string; type: AvroSchema }[] };
  if (record.type !== 'record')
    throw new ConfigError(path, 'must be an Avro record to give lake columns (one column per field)');
  const columns: Record<string, ParquetType> = {};
  for (const field of record.fields ?? [])
    columns[field.name] = columnOf(field.type, `${path}.${field.name}`, named);
  return columns;
};
