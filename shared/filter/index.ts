export { compileFilterCriteria, compilePattern, type EventRecordMatcher } from './evaluate.ts';
export type {
  AnyOfFilter,
  Condition,
  Filter,
  NumericCondition,
  PredicateFilter,
  Scalar,
  WhereFilter,
} from './filter.ts';
export { FilterKind, isFilter } from './filter.ts';
export {
  type FilterCriteria,
  MAX_FILTERS,
  MAX_PATTERN_LENGTH,
  type Pushdown,
  type PushdownContext,
  pushdown,
} from './pattern.ts';
export { compileFilter, type RecordPredicate } from './predicate.ts';
export { anyOf, predicate, where } from './where.ts';
