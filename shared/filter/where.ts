import { ConfigError } from '../errors.ts';
import type { FlowRecord } from '../record.ts';
import * as z from '../zod.ts';
import type { AnyOfFilter, Condition, Filter, PredicateFilter, WhereFilter } from './filter.ts';
import { isFilter } from './filter.ts';

const finite = z.number().check(z.refine(Number.isFinite, 'must be a finite number'));
const scalar = z.union([z.string(), finite, z.boolean(), z.null()]);
const nonEmpty = <T extends z.ZodMiniType>(item: T, message: string) =>
  z.array(item).check(z.minLength(1, message));

const numericCondition = z
  .strictObject({
    gt: z.optional(finite),
    gte: z.optional(finite),
    lt: z.optional(finite),
    lte: z.optional(finite),
  })
  .check(
    z.refine((c) => Object.keys(c).length > 0, 'a numeric range needs at least one of gt, gte, lt, lte'),
    z.refine((c) => !(c.gt !== undefined && c.gte !== undefined), 'use gt or gte, not both'),
    z.refine((c) => !(c.lt !== undefined && c.lte !== undefined), 'use lt or lte, not both'),
  );

const conditionSchema = z.union([
  scalar,
  z.strictObject({ in: nonEmpty(scalar, 'in needs at least one value') }),
  z.strictObject({ prefix: z.string() }),
  z.strictObject({ suffix: z.string() }),
  z.strictObject({ equalsIgnoreCase: z.string() }),
  z.strictObject({ exists: z.boolean() }),
  z.strictObject({
    anythingBut: z.union([
      z.string(),
      finite,
      nonEmpty(z.string(), 'anythingBut needs at least one value'),
      nonEmpty(finite, 'anythingBut needs at least one value'),
    ]),
  }),
  numericCondition,
]);

const fieldPath = /^[^.]+(\.[^.]+)*$/;

/**
 * A filter on record value fields, all of which must match. Validated here, at load time.
 *
 *     where({ rating: { lte: 2 }, 'customer.tier': 'gold', source: { prefix: 'app' },
 *             email: { exists: true }, status: { anythingBut: ['deleted'] } })
 */
export const where = (fields: Readonly<Record<string, Condition>>): WhereFilter => {
  if (fields === null || typeof fields !== 'object' || Object.keys(fields).length === 0) {
    throw new ConfigError('where', 'needs at least one field');
  }
  for (const [path, condition] of Object.entries(fields)) {
    if (!fieldPath.test(path)) throw new ConfigError(`where.${path}`, 'is not a dotted field path');
    const parsed = conditionSchema.safeParse(condition);
    if (!parsed.success) {
      throw new ConfigError(`where.${path}`, `is not a condition (${conditionProblem(parsed.error)})`);
    }
  }
  return Object.freeze({ kind: 'where', fields: Object.freeze({ ...fields }) });
};

const conditionProblem = (error: z.core.$ZodError): string => {
  // A union reports every branch; the most specific message is the one from a branch that got past the type.
  const messages = error.issues.flatMap((issue) =>
    issue.code === 'invalid_union' ? issue.errors.flat().map((i) => i.message) : [issue.message],
  );
  const specific = messages.find((m) => !m.startsWith('Invalid input') && !m.startsWith('Unrecognized key'));
  return (
    specific ??
    'expected a scalar, or one of in, prefix, suffix, equalsIgnoreCase, exists, anythingBut, gt/gte/lt/lte'
  );
};

/** Matches when any of the filters matches. */
export const anyOf = (...filters: readonly Filter[]): AnyOfFilter => {
  if (filters.length === 0) throw new ConfigError('anyOf', 'needs at least one filter');
  filters.forEach((f, i) => {
    if (!isFilter(f)) throw new ConfigError(`anyOf[${i}]`, 'is not a filter (use where, anyOf or predicate)');
  });
  return Object.freeze({ kind: 'anyOf', filters: Object.freeze([...filters]) });
};

/** Code as a filter. Runs in-process only: the event-source mapping cannot evaluate it. */
export const predicate = (name: string, test: (record: FlowRecord) => boolean): PredicateFilter => {
  if (typeof test !== 'function') throw new ConfigError(`predicate(${name})`, 'needs a function');
  return Object.freeze({ kind: 'predicate', name, test });
};
