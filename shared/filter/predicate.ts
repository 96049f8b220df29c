import type { FlowRecord } from '../record.ts';
import type { Condition, Filter, NumericCondition, Scalar } from './filter.ts';
import { hasLeaf, isJsonObject, someLeaf } from './leaves.ts';

export type RecordPredicate = (record: FlowRecord) => boolean;

const compiled = new WeakMap<Filter, RecordPredicate>();

/**
 * The in-process form of a filter. `where` fields match the record value exactly as a Lambda FilterCriteria
 * value pattern would: the value must be a JSON object (tombstones and non-object values never match), and a
 * condition holds when any leaf at its path satisfies it. Compiled once per filter object.
 */
export const compileFilter = (filter: Filter): RecordPredicate => {
  let predicate = compiled.get(filter);
  if (predicate === undefined) {
    predicate = build(filter);
    compiled.set(filter, predicate);
  }
  return predicate;
};

const build = (filter: Filter): RecordPredicate => {
  switch (filter.kind) {
    case 'predicate':
      return filter.test;
    case 'anyOf': {
      const alternatives = filter.filters.map(compileFilter);
      return (record) => {
        for (let i = 0; i < alternatives.length; i++)
          if ((alternatives[i] as RecordPredicate)(record)) return true;
        return false;
      };
    }
    case 'where': {
      const tests = Object.entries(filter.fields).map(([path, condition]) =>
        fieldTest(path.split('.'), condition),
      );
      return (record) => {
        const value = record.value;
        if (!isJsonObject(value)) return false;
        for (let i = 0; i < tests.length; i++)
          if (!(tests[i] as (v: unknown) => boolean)(value)) return false;
        return true;
      };
    }
  }
};

const fieldTest = (segments: readonly string[], condition: Condition): ((value: unknown) => boolean) => {
  if (condition !== null && typeof condition === 'object' && 'exists' in condition) {
    const wanted = condition.exists;
    return (value) => hasLeaf(value, segments) === wanted;
  }
  const test = leafTest(condition);
  return (value) => someLeaf(value, segments, 0, test);
};

const leafTest = (condition: Condition): ((leaf: unknown) => boolean) => {
  if (condition === null || typeof condition !== 'object') return equalsTest(condition);
  if ('in' in condition) {
    const tests = condition.in.map(equalsTest);
    return (leaf) => tests.some((t) => t(leaf));
  }
  if ('prefix' in condition) {
    const prefix = condition.prefix;
    return (leaf) => typeof leaf === 'string' && leaf.startsWith(prefix);
  }
  if ('suffix' in condition) {
    const suffix = condition.suffix;
    return (leaf) => typeof leaf === 'string' && leaf.endsWith(suffix);
  }
  if ('equalsIgnoreCase' in condition) {
    const lower = condition.equalsIgnoreCase.toLowerCase();
    return (leaf) => typeof leaf === 'string' && leaf.toLowerCase() === lower;
  }
  if ('anythingBut' in condition) {
    const excluded: readonly (string | number)[] = Array.isArray(condition.anythingBut)
      ? condition.anythingBut
      : [condition.anythingBut as string | number];
    // A numeric list only matches numbers; a string list matches any leaf that is not one of the strings.
    return typeof excluded[0] === 'number'
      ? (leaf) => typeof leaf === 'number' && !excluded.includes(leaf)
      : (leaf) => !(typeof leaf === 'string' && excluded.includes(leaf));
  }
  return numericTest(condition as NumericCondition);
};

const equalsTest =
  (expected: Scalar) =>
  (leaf: unknown): boolean =>
    leaf === expected;

const numericTest = ({ gt, gte, lt, lte }: NumericCondition) => {
  return (leaf: unknown): boolean =>
    typeof leaf === 'number' &&
    (gt === undefined || leaf > gt) &&
    (gte === undefined || leaf >= gte) &&
    (lt === undefined || leaf < lt) &&
    (lte === undefined || leaf <= lte);
};
