import { z } from 'zod';
import type { FlowRecord } from '../record.ts';
import { type DeclaredOutput, lazyOutput, whenOf } from './declared.ts';
import { fn, nameOf, parseOptions, resourceName } from './options.ts';

const optionsSchema = z.strictObject({
  /** The index (name or declared index). */
  index: resourceName,
  when: z.unknown().optional(),
  /** Document id from a business key; default `<topic>-<partition>-<offset>`. */
  id: fn<(record: FlowRecord) => string>().optional(),
  /** The document for a record; default its value (a JSON object). */
  document: fn<(record: FlowRecord) => unknown>().optional(),
  /** A tombstone deletes the document with the record's id, or is ignored. */
  tombstones: z.enum(['delete', 'ignore']).default('delete'),
  /** Created with the index when it is missing. */
  mappings: z.record(z.string(), z.unknown()).optional(),
  settings: z.record(z.string(), z.unknown()).optional(),
  auth: z.enum(['sigv4', 'sigv4-aoss', 'none']).optional(),
  maxBulkBytes: z
    .number()
    .int()
    .min(1024)
    .max(100 * 1024 * 1024)
    .default(5 * 1024 * 1024),
  maxBulkActions: z.number().int().min(1).max(100_000).default(5_000),
  /** How long throttled or failing items are retried before the batch fails (shortened near the deadline). */
  retryBudgetMs: z.number().int().min(0).default(30_000),
});

export type OpenSearchOutputOptions = z.input<typeof optionsSchema>;
export interface OpenSearchResources {
  readonly index: string;
}

/** Index the flow's records into OpenSearch with `_bulk`; replay-safe through stable document ids. */
export const toOpenSearch = (
  options: OpenSearchOutputOptions,
): DeclaredOutput<'opensearch', OpenSearchResources> => {
  const opts = parseOptions(optionsSchema, options, 'toOpenSearch');
  const index = nameOf(opts.index);
  const name = `opensearch:${index}`;
  const create =
    opts.mappings || opts.settings
      ? {
          ...(opts.mappings ? { mappings: opts.mappings } : {}),
          ...(opts.settings ? { settings: opts.settings } : {}),
        }
      : undefined;
  return {
    kind: 'opensearch',
    name,
    ...whenOf(opts.when),
    resources: { index },
    create: () =>
      lazyOutput(name, async () => {
        const [{ openSearchClient }, { createSearchWriter }] = await Promise.all([
          import('../clients/opensearch.ts'),
          import('./search-writer.ts'),
        ]);
        const client = openSearchClient(opts.auth);
        return createSearchWriter({
          name,
          index,
          ...(opts.id ? { id: opts.id } : {}),
          ...(opts.document ? { document: opts.document } : {}),
          tombstones: opts.tombstones,
          ...(create ? { create } : {}),
          maxBulkBytes: opts.maxBulkBytes,
          maxBulkActions: opts.maxBulkActions,
          retry: { baseMs: 100, maxDelayMs: 5_000, budgetMs: opts.retryBudgetMs },
          client: () => client,
        });
      }),
  };
};
