import { ConfigError } from '../errors.ts';
import type { FieldPath } from '../fields.ts';
import type { FlowRecord } from '../record.ts';
import type { Loose } from '../steps/step.ts';
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
 *
 * @typeParam V - the value type of the records it filters (from the flow, where it is used): each path must be
 *   a field of it, so a misspelt one is a compile error
 */
export const where = <V = Loose>(fields: { readonly [P in FieldPath<V>]?: Condition }): WhereFilter<V> => {
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
  // Every condition was checked above: none is undefined.
  const checked = Object.freeze({ ...fields }) as Readonly<Record<string, Condition>>;
  return Object.freeze({ kind: 'where', fields: checked });
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

/**
 * Matches when any of the filters matches.
 * @typeParam V - the value type of the records it filters
 */
export const anyOf = <V = Loose>(...filters: readonly Filter<V>[]): AnyOfFilter<V> => {
  if (filters.length === 0) throw new ConfigError('anyOf', 'needs at least one filter');
  filters.forEach((f, i) => {
    if (!isFilter(f)) throw new ConfigError(`anyOf[${i}]`, 'is not a filter (use where, anyOf or predicate)');
  });
  return Object.freeze({ kind: 'anyOf', filters: Object.freeze([...filters]) });
};

/**
 * Code as a filter. Runs in-process only: the event-source mapping cannot evaluate it.
 * @typeParam V - the value type `test` receives
 */
export const predicate = <V = Loose>(
  name: string,
  test: (record: FlowRecord<V>) => boolean,
): PredicateFilter<V> => {
  if (typeof test !== 'function') throw new ConfigError(`predicate(${name})`, 'needs a function');
  return Object.freeze({ kind: 'predicate', name, test });
};
