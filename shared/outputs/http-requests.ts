import { createHash } from 'node:crypto';
import { RecordRejectedError } from '../errors.ts';
import { type FlowRecord, isTombstone, partitionId } from '../record.ts';
import { lineageOf } from './lineage.ts';

/**
 * Planning an HTTP output's requests: each record's body and idempotency key, cut into requests (one record each,
 * or NDJSON batches), in lanes that keep each source partition's order.
 */

/** The header carrying a request's idempotency key (the IETF httpapi draft's name). */
export const IdempotencyHeader = 'Idempotency-Key';
/** On a batched request: the keys of its records, comma-separated, in the order of its lines. */
export const RecordKeysHeader = 'Sluice-Idempotency-Keys';

/** One record's part of a request. */
export interface HttpItem {
  readonly record: FlowRecord;
  /** Its idempotency key: the same for every copy of the source record (replays included). */
  readonly key: string;
  /** The JSON text of its body (one NDJSON line when batched, without the newline). */
  readonly json: string;
}

/** One request: one record, or several as NDJSON. */
export interface HttpRequestPlan {
  readonly items: readonly HttpItem[];
  readonly batched: boolean;
}

export interface HttpPlanOptions {
  /** Part of every key, so two outputs (or flows) sending the same record to one endpoint are told apart. */
  readonly flowName: string;
  readonly outputName: string;
  /** Inbound lineage is believed (the flow's source topic is internal). */
  readonly trustsLineage: boolean;
  /** The JSON body for a record; default its value. */
  readonly body?: (record: FlowRecord) => unknown;
  /** Records per request and bytes per request body; absent: one request per record. */
  readonly batch?: { readonly maxRecords: number; readonly maxBytes: number };
  /** Requests of one source partition go one after the other (source order); false: any order. */
  readonly ordered: boolean;
}

/** 22 base64url characters: 132 bits of SHA-256, short enough to list a few hundred in one header. */
const digest = (text: string): string => createHash('sha256').update(text).digest('base64url').slice(0, 22);

/**
 * A record's idempotency key, from its lineage (path and origin offset: what every copy of a source record shares,
 * whichever offset an upstream replay gave it here), the flow and the output.
 */
export const recordKey = (
  record: FlowRecord,
  options: Omit<HttpPlanOptions, 'batch' | 'ordered'>,
): string => {
  const lineage = lineageOf(record, options.trustsLineage);
  return digest(`${options.flowName}\n${options.outputName}\n${lineage.path}\n${lineage.originOffset}`);
};

/** A batched request's own key: the digest of its records' keys in order (the same records, the same key). */
export const requestKey = (request: HttpRequestPlan): string => {
  const [only] = request.items;
  if (!request.batched && only) return only.key;
  return digest(request.items.map((item) => item.key).join(','));
};

/** The request's body: the record's JSON, or one line per record (NDJSON, each line ended by a newline). */
export const requestBody = (request: HttpRequestPlan): string =>
  request.batched
    ? request.items.map((item) => `${item.json}\n`).join('')
    : (request.items[0]?.json ?? 'null');

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * The requests for a batch, in lanes: within a lane they must go one after the other. Tombstones are skipped
 * (an HTTP body has nothing to say for a delete); a record whose body cannot be made is rejected.
 */
export const planHttp = (
  records: readonly FlowRecord[],
  options: HttpPlanOptions,
): { lanes: HttpRequestPlan[][]; rejected: [FlowRecord, RecordRejectedError][]; skipped: number } => {
  const rejected: [FlowRecord, RecordRejectedError][] = [];
  const byPartition = new Map<string, HttpItem[]>();
  let skipped = 0;
  for (const record of records) {
    if (isTombstone(record)) {
      skipped += 1;
      continue;
    }
    try {
      const json = JSON.stringify(options.body ? options.body(record) : record.value);
      if (json === undefined) throw new Error('the body is not JSON (undefined or a function)');
      const item: HttpItem = { record, key: recordKey(record, options), json };
      const lane = partitionId(record.source);
      const items = byPartition.get(lane);
      if (items) items.push(item);
      else byPartition.set(lane, [item]);
    } catch (error) {
      rejected.push([
        record,
        new RecordRejectedError(`cannot build the HTTP body: ${describe(error)}`, { cause: error }),
      ]);
    }
  }
  const lanes: HttpRequestPlan[][] = [];
  for (const items of byPartition.values()) {
    const requests = cutRequests(items, options.batch);
    if (options.ordered) lanes.push(requests);
    else for (const request of requests) lanes.push([request]);
  }
  return { lanes, rejected, skipped };
};

/** Consecutive items into requests of at most `maxRecords` and `maxBytes` (a larger item goes alone). */
export const cutRequests = (
  items: readonly HttpItem[],
  batch: HttpPlanOptions['batch'],
): HttpRequestPlan[] => {
  if (!batch) return items.map((item) => ({ items: [item], batched: false }));
  const requests: HttpRequestPlan[] = [];
  let current: HttpItem[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = Buffer.byteLength(item.json) + 1;
    if (current.length > 0 && (current.length >= batch.maxRecords || bytes + size > batch.maxBytes)) {
      requests.push({ items: current, batched: true });
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) requests.push({ items: current, batched: true });
  return requests;
};

/** Halves of a request, to find the records an endpoint refuses among those it would take. */
export const splitRequest = (request: HttpRequestPlan): HttpRequestPlan[] => {
  const half = Math.ceil(request.items.length / 2);
  return [request.items.slice(0, half), request.items.slice(half)]
    .filter((items) => items.length > 0)
    .map((items) => ({ items, batched: request.batched }));
};
