import { RecordRejectedError } from '../errors.ts';
import { type FlowRecord, isTombstone } from '../record.ts';

/** One `_bulk` action for one record, already serialised (one or two NDJSON lines). */
export interface BulkAction {
  readonly record: FlowRecord;
  readonly id: string;
  readonly op: 'index' | 'delete';
  readonly ndjson: string;
  readonly bytes: number;
}

export interface BulkPlanOptions {
  readonly index: string;
  /** Document id (a business key); default `<topic>-<partition>-<offset>`. */
  readonly id?: (record: FlowRecord) => string;
  /** The id of the document a tombstone deletes; default the record key when `id` is set, else the default id. */
  readonly tombstoneId?: (record: FlowRecord) => string;
  /** The document for a record; default its value, which must be a JSON object. */
  readonly document?: (record: FlowRecord) => unknown;
  readonly tombstones: 'delete' | 'ignore';
}

export const defaultDocId = (record: FlowRecord): string =>
  `${record.source.topic}-${record.source.partition}-${record.source.offset}`;

/** A tombstone has no value to read a business key from; Kafka's convention is that the key is that entity's key. */
const keyAsDocId = (record: FlowRecord): string => {
  if (record.key === null) {
    throw new RecordRejectedError('a tombstone without a key cannot name the document to delete');
  }
  return record.key;
};

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value);

/**
 * The bulk actions for a batch, keeping only the last action per document id (in source order), so that
 * retrying some items later can never let an older version overwrite a newer one. Records that cannot become
 * an action are returned as rejections.
 */
export const planBulk = (
  records: readonly FlowRecord[],
  options: BulkPlanOptions,
): { actions: BulkAction[]; rejected: [FlowRecord, RecordRejectedError][]; skipped: number } => {
  const byId = new Map<string, BulkAction>();
  const rejected: [FlowRecord, RecordRejectedError][] = [];
  let skipped = 0;
  for (const record of records) {
    try {
      const tombstone = isTombstone(record);
      if (tombstone && options.tombstones === 'ignore') {
        skipped += 1;
        continue;
      }
      // The document first: an id read from a value that is not an object would only say "cannot read".
      const document = tombstone ? undefined : options.document ? options.document(record) : record.value;
      if (!tombstone && !isPlainObject(document))
        throw new RecordRejectedError('the document must be a JSON object');
      const id = (
        tombstone
          ? (options.tombstoneId ?? (options.id ? keyAsDocId : defaultDocId))
          : (options.id ?? defaultDocId)
      )(record);
      if (typeof id !== 'string' || id.length === 0 || Buffer.byteLength(id) > 512) {
        throw new RecordRejectedError(
          `document id must be a non-empty string of at most 512 bytes, got ${JSON.stringify(id)}`,
        );
      }
      // No `_index`: the writer posts to `/<index>/_bulk`, and the domain refuses action lines naming an index.
      const meta = JSON.stringify({ [tombstone ? 'delete' : 'index']: { _id: id } });
      const ndjson = tombstone ? `${meta}\n` : `${meta}\n${JSON.stringify(document)}\n`;
      const previous = byId.get(id);
      if (previous) {
        byId.delete(id);
        skipped += 1;
      }
      byId.set(id, {
        record,
        id,
        op: tombstone ? 'delete' : 'index',
        ndjson,
        bytes: Buffer.byteLength(ndjson),
      });
    } catch (error) {
      const reason =
        error instanceof RecordRejectedError
          ? error
          : new RecordRejectedError(`cannot build the document: ${String(error)}`, { cause: error });
      rejected.push([record, reason]);
    }
  }
  return { actions: [...byId.values()], rejected, skipped };
};

/** Splits actions into `_bulk` requests of at most `maxBytes` and `maxActions` (one oversize action alone). */
export const chunkBulk = (
  actions: readonly BulkAction[],
  limits: { maxBytes: number; maxActions: number },
): BulkAction[][] => {
  const chunks: BulkAction[][] = [];
  let chunk: BulkAction[] = [];
  let bytes = 0;
  for (const action of actions) {
    if (chunk.length > 0 && (bytes + action.bytes > limits.maxBytes || chunk.length >= limits.maxActions)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(action);
    bytes += action.bytes;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
};

export interface BulkItemResult {
  readonly status: number;
  readonly error?: { readonly type?: string; readonly reason?: string; readonly caused_by?: unknown } | null;
}

export const ItemOutcome = {
  Written: 'written',
  Retry: 'retry',
  /** The index is gone: create it again with its declared mapping, then send again. */
  IndexMissing: 'index-missing',
  /** The store refuses writes whatever the document (read-only block, authorisation): fail the batch. */
  Refused: 'refused',
  Reject: 'reject',
} as const;
export type ItemOutcome = (typeof ItemOutcome)[keyof typeof ItemOutcome];

/** Item errors that say nothing about the document: the store or its index refuses every write. */
const refusals = new Set(['cluster_block_exception', 'security_exception', 'authorization_exception']);

/**
 * What to do with one bulk item: done, send again (throttled or server trouble), recreate the index, fail the
 * batch (a store-side refusal, not the record's fault), or dead-letter (the document itself was refused).
 */
export const classifyItem = (op: 'index' | 'delete', item: BulkItemResult): ItemOutcome => {
  if (item.status >= 200 && item.status < 300) return ItemOutcome.Written;
  const type = item.error?.type ?? '';
  if (type === 'index_not_found_exception') return ItemOutcome.IndexMissing;
  if (op === 'delete' && item.status === 404) return ItemOutcome.Written;
  if (refusals.has(type) || item.status === 401 || item.status === 403) return ItemOutcome.Refused;
  if (item.status === 429 || item.status >= 500) return ItemOutcome.Retry;
  if (item.error?.type?.includes('rejected_execution')) return ItemOutcome.Retry;
  return ItemOutcome.Reject;
};

export const itemErrorMessage = (item: BulkItemResult): string => {
  const error = item.error;
  if (!error) return `status ${item.status}`;
  const cause = error.caused_by ? ` (caused by ${JSON.stringify(error.caused_by)})` : '';
  return `${error.type ?? 'error'}: ${error.reason ?? 'no reason given'}${cause}`;
};
