// The runtime's zod: its import installs the English messages a zod/mini schema would otherwise lack.
import type * as z from '../zod.ts';
import '../zod.ts';
import { ValidationError } from '../errors.ts';
import { isTombstone } from '../record.ts';
import { joinPath } from '../topology/config-error.ts';
import { perRecordStep, withValue } from './per-record.ts';
import type { Step } from './step.ts';

export interface ValidateOptions {
  /**
   * The step's name in metrics, dead letters and the graph.
   * @default 'validate'
   * @example name: 'check-review'
   */
  readonly name?: string;
  /**
   * Let tombstones (null values) through unvalidated: a delete carries no fields to check.
   * @default true
   * @example allowTombstones: false
   */
  readonly allowTombstones?: boolean;
}

const MAX_ISSUES_IN_MESSAGE = 5;

/**
 * Checks each value against a zod schema. Valid records go on with the schema's output (defaults, coercions,
 * and — for plain `z.object` — unknown fields stripped); invalid ones are dead-lettered with each issue's path,
 * e.g. `rating: Invalid input: expected number, received string`.
 * @typeParam S - the schema (zod/mini or classic zod): the steps and outputs after it receive its output type
 * @example validate(z.object({ reviewId: z.string(), rating: z.int() }))
 */
export const validate = <S extends z.ZodMiniType>(
  schema: S,
  options: ValidateOptions = {},
): Step<unknown, z.output<S>> => {
  const allowTombstones = options.allowTombstones ?? true;
  return perRecordStep('validate', options.name ?? 'validate', (record) => {
    if (allowTombstones && isTombstone(record)) return record;
    const result = schema.safeParse(record.value);
    if (result.success) return withValue(record, result.data);
    const issues = result.error.issues;
    const described = issues
      .slice(0, MAX_ISSUES_IN_MESSAGE)
      .map((issue) => `${joinPath('', issue.path) || '(value)'}: ${issue.message}`);
    if (issues.length > MAX_ISSUES_IN_MESSAGE)
      described.push(`and ${issues.length - MAX_ISSUES_IN_MESSAGE} more`);
    throw new ValidationError(described.join('; '));
  });
};
