import avro from 'avsc';
import protobuf from 'protobufjs';
import type { SchemaFormat } from './codecs.ts';

/** How two versions of a subject relate: BACKWARD (new readers read old records), FORWARD (old readers read new). */
export interface Compatibility {
  readonly backward: boolean;
  readonly forward: boolean;
  /** Why a direction fails (empty when both hold). */
  readonly reasons: readonly string[];
}

export const CompatibilityMode = {
  Backward: 'BACKWARD',
  Forward: 'FORWARD',
  Full: 'FULL',
  None: 'NONE',
} as const;
export type CompatibilityMode = (typeof CompatibilityMode)[keyof typeof CompatibilityMode];

/** The strongest mode that holds. */
export const modeOf = (c: Compatibility): CompatibilityMode =>
  c.backward && c.forward ? 'FULL' : c.backward ? 'BACKWARD' : c.forward ? 'FORWARD' : 'NONE';

/** Whether `c` satisfies the mode a registry requires of new versions (Glue's and Confluent's *_ALL read as the mode). */
export const satisfies = (c: Compatibility, required: string): boolean => {
  const mode = required.replace(/_ALL$/, '');
  if (mode === 'FULL') return c.backward && c.forward;
  if (mode === 'BACKWARD') return c.backward;
  if (mode === 'FORWARD') return c.forward;
  return true;
};

/** Compares the registry's version (`older`) with the repository's (`newer`) by the format's resolution rules. */
export const compatibility = (format: SchemaFormat, older: string, newer: string): Compatibility => {
  if (format === 'avro') return avroCompatibility(older, newer);
  if (format === 'protobuf') return protobufCompatibility(older, newer);
  // JSON Schema has no resolution rules: only an unchanged schema is known to be compatible both ways.
  const same = JSON.stringify(JSON.parse(older)) === JSON.stringify(JSON.parse(newer));
  return {
    backward: same,
    forward: same,
    reasons: same ? [] : ['JSON Schema changes are not checked: review them'],
  };
};

const avroCompatibility = (olderText: string, newerText: string): Compatibility => {
  const older = avro.Type.forSchema(JSON.parse(olderText));
  const newer = avro.Type.forSchema(JSON.parse(newerText));
  const reasons: string[] = [];
  const reads = (reader: avro.Type, writer: avro.Type, direction: string): boolean => {
    try {
      reader.createResolver(writer);
      return true;
    } catch (error) {
      reasons.push(`${direction}: ${(error as Error).message}`);
      return false;
    }
  };
  return {
    backward: reads(newer, older, 'BACKWARD (the new schema cannot read old records)'),
    forward: reads(older, newer, 'FORWARD (the old schema cannot read new records)'),
    reasons,
  };
};

/** Protobuf scalar types that share a wire encoding and may replace one another. */
const WIRE_GROUPS: readonly (readonly string[])[] = [
  ['int32', 'uint32', 'int64', 'uint64', 'bool'],
  ['sint32', 'sint64'],
  ['fixed32', 'sfixed32'],
  ['fixed64', 'sfixed64'],
  ['string', 'bytes'],
];
const sameWire = (a: string, b: string): boolean =>
  a === b || WIRE_GROUPS.some((group) => group.includes(a) && group.includes(b));

const messages = (text: string): Map<string, protobuf.Type> => {
  const root = protobuf.parse(text, { keepCase: true }).root;
  const found = new Map<string, protobuf.Type>();
  const walk = (ns: protobuf.NamespaceBase): void => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof protobuf.Type) found.set(nested.fullName, nested);
      if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) walk(nested);
    }
  };
  walk(root);
  return found;
};

/**
 * Protobuf's field-number rules: a field number kept in both versions must keep a wire-compatible type and its
 * cardinality; names may change, fields may be added or removed (readers skip unknown numbers, missing ones take
 * defaults). A break fails both directions.
 */
const protobufCompatibility = (olderText: string, newerText: string): Compatibility => {
  const older = messages(olderText);
  const newer = messages(newerText);
  const reasons: string[] = [];
  for (const [name, before] of older) {
    const after = newer.get(name);
    if (after === undefined) continue;
    for (const field of before.fieldsArray) {
      const now = after.fieldsById[field.id];
      if (now === undefined) continue;
      if (!sameWire(field.type, now.type) || field.repeated !== now.repeated || field.map !== now.map)
        reasons.push(
          `${name.slice(1)} field ${field.id}: ${field.repeated ? 'repeated ' : ''}${field.type} became ${now.repeated ? 'repeated ' : ''}${now.type}`,
        );
    }
  }
  const ok = reasons.length === 0;
  return { backward: ok, forward: ok, reasons };
};
