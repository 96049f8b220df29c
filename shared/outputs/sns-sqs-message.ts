import { createHash } from 'node:crypto';
import { RecordRejectedError } from '../errors.ts';
import type { FlowRecord } from '../record.ts';
import { lineageOf } from './lineage.ts';

/**
 * What an SQS message and an SNS notification are made of, from a record: the body, message attributes from
 * declared headers plus the record's lineage, and on FIFO targets the group and deduplication ids. Both services
 * count a message's size the same way (body plus each attribute's name, type and value) against 256 KiB.
 */

/** The attribute that carries the record's lineage (`<path>@<origin offset>`), so consumers can drop copies. */
export const LINEAGE_ATTRIBUTE = 'sluice.lineage';
/** SQS and SNS take at most 10 message attributes; one is the lineage. */
export const MAX_DECLARED_ATTRIBUTES = 9;
/** SQS and SNS: 256 KiB per message and per batch request. */
export const MAX_MESSAGE_BYTES = 262_144;

export interface MessageAttribute {
  readonly DataType: 'String';
  readonly StringValue: string;
}

export interface Message {
  readonly body: string;
  readonly attributes: Record<string, MessageAttribute>;
  readonly groupId?: string;
  readonly deduplicationId?: string;
  readonly bytes: number;
}

export interface MessagePlan {
  /** The body; default the value as JSON (a string as itself, bytes as base64). */
  readonly body?: (record: FlowRecord) => unknown;
  /** Header names copied into message attributes when present. */
  readonly attributes: readonly string[];
  /** FIFO targets: the value field whose text is the message group id. */
  readonly groupField?: string;
  readonly fifo: boolean;
}

const valueAt = (value: unknown, path: string): unknown => {
  let current = value;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
};

/** The message body: text as itself, bytes as base64 (both services take only Unicode text), the rest as JSON. */
export const bodyText = (value: unknown): string => {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  const json = JSON.stringify(value);
  if (json === undefined) throw new RecordRejectedError('the body cannot be written as JSON');
  return json;
};

// Group ids: 1 to 128 of letters, digits and punctuation (SQS and SNS FIFO).
const groupIdPattern = /^[\x21-\x7e]{1,128}$/;

/**
 * Deduplication ids from lineage: the same for every copy of a source record (a replayed batch, or a copy an
 * upstream replay made, which keeps its path and origin offset), so the FIFO target drops copies within its
 * 5-minute window. A record a step made several of in one batch gets `#n` after the first.
 */
export const deduplicationIds = (trusted: boolean) => {
  const seen = new Map<string, number>();
  return (record: FlowRecord): string => {
    const { path, originOffset } = lineageOf(record, trusted);
    const lineage = `${path}@${originOffset}`;
    const n = seen.get(lineage) ?? 0;
    seen.set(lineage, n + 1);
    const digest = createHash('sha256').update(lineage).digest('hex');
    return n === 0 ? digest : `${digest}#${n}`;
  };
};

/** Builds a record's message; throws RecordRejectedError for what the record lacks (a group id). */
export const planMessage = (
  record: FlowRecord,
  plan: MessagePlan,
  lineage: { readonly trusted: boolean; readonly dedup: (record: FlowRecord) => string },
): Message => {
  const body = bodyText(plan.body ? plan.body(record) : record.value);
  if (body.length === 0)
    throw new RecordRejectedError('the message body is empty (SQS and SNS need at least 1 character)');
  const attributes: Record<string, MessageAttribute> = {};
  let bytes = Buffer.byteLength(body);
  const add = (name: string, value: string) => {
    attributes[name] = { DataType: 'String', StringValue: value };
    bytes += Buffer.byteLength(name) + 6 + Buffer.byteLength(value);
  };
  for (const name of plan.attributes) {
    const value = record.headers[name];
    // Neither service takes an empty attribute value; an absent header is no attribute.
    if (value !== undefined && value.length > 0 && Object.hasOwn(record.headers, name)) add(name, value);
  }
  const { path, originOffset } = lineageOf(record, lineage.trusted);
  add(LINEAGE_ATTRIBUTE, `${path}@${originOffset}`);
  if (!plan.fifo) return { body, attributes, bytes };
  const raw = plan.groupField === undefined ? undefined : valueAt(record.value, plan.groupField);
  const groupId = typeof raw === 'string' || typeof raw === 'number' ? String(raw) : undefined;
  if (groupId === undefined || !groupIdPattern.test(groupId)) {
    throw new RecordRejectedError(
      `the group field ${plan.groupField} must be a string or number of 1–128 printable ASCII characters, got ${JSON.stringify(raw)?.slice(0, 100)}`,
    );
  }
  return { body, attributes, groupId, deduplicationId: lineage.dedup(record), bytes };
};
