import type { Condition, Filter, NumericCondition, Scalar } from '../../shared/filter/filter.ts';

/** Longest label a diagram edge gets: a filter with long value lists is cut, not allowed to swamp the picture. */
export const MAX_FILTER_TEXT = 100;

/**
 * A short reading of a filter for a diagram label: `rating ≤ 2 and customer.tier = 'gold'`; `anyOf` alternatives
 * joined by `or`; a predicate by its name (its code is not data). Cut at {@link MAX_FILTER_TEXT} characters.
 */
export const filterText = (filter: Filter): string => {
  const text = render(filter);
  return text.length > MAX_FILTER_TEXT ? `${text.slice(0, MAX_FILTER_TEXT - 1)}…` : text;
};

const render = (filter: Filter): string => {
  switch (filter.kind) {
    case 'predicate':
      return `predicate ${filter.name}`;
    case 'anyOf':
      return filter.filters
        .map((f) => {
          const text = render(f);
          return f.kind === 'where' && Object.keys(f.fields).length > 1 ? `(${text})` : text;
        })
        .join(' or ');
    case 'where':
      return Object.entries(filter.fields)
        .map(([path, condition]) => conditionText(path, condition))
        .join(' and ');
  }
};

const scalar = (value: Scalar): string => (typeof value === 'string' ? `'${value}'` : String(value));
const list = (values: readonly Scalar[]): string => `(${values.map(scalar).join(', ')})`;

const conditionText = (field: string, condition: Condition): string => {
  if (condition === null || typeof condition !== 'object') return `${field} = ${scalar(condition)}`;
  if ('in' in condition) return `${field} in ${list(condition.in)}`;
  if ('prefix' in condition) return `${field} starts with ${scalar(condition.prefix)}`;
  if ('suffix' in condition) return `${field} ends with ${scalar(condition.suffix)}`;
  if ('equalsIgnoreCase' in condition) return `${field} = ${scalar(condition.equalsIgnoreCase)} (any case)`;
  if ('exists' in condition) return condition.exists ? `${field} exists` : `no ${field}`;
  if ('anythingBut' in condition) {
    const excluded: string | number | readonly Scalar[] = condition.anythingBut;
    return typeof excluded === 'object'
      ? `${field} not in ${list(excluded)}`
      : `${field} ≠ ${scalar(excluded)}`;
  }
  return numericText(field, condition as NumericCondition);
};

const numericText = (field: string, { gt, gte, lt, lte }: NumericCondition): string => {
  const lower = gt !== undefined ? `${gt} < ` : gte !== undefined ? `${gte} ≤ ` : '';
  const upper = lt !== undefined ? ` < ${lt}` : lte !== undefined ? ` ≤ ${lte}` : '';
  // One bound reads better with the field first: `rating ≤ 2`, `rating > 3`.
  if (lower && !upper) return gt !== undefined ? `${field} > ${gt}` : `${field} ≥ ${gte}`;
  return `${lower}${field}${upper}`;
};
