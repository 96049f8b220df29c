import type { Condition, Filter, NumericCondition, Scalar, WhereFilter } from './filter.ts';

/** The event-source mapping's FilterCriteria, as CloudFormation and the Lambda API take it. */
export interface FilterCriteria {
  readonly Filters: readonly { readonly Pattern: string }[];
}

export type Pushdown =
  | { readonly pushable: true; readonly criteria: FilterCriteria }
  | { readonly pushable: false; readonly reason: string };

/** Lambda allows 5 filters per event-source mapping (ORed) unless a quota increase was granted. */
export const MAX_FILTERS = 5;
/** Lambda's limit on one filter pattern's length. */
export const MAX_PATTERN_LENGTH = 4096;

/** Where a filter sits: only a flow's source filter runs before the function, where the mapping can apply it. */
export interface PushdownContext {
  readonly stage?: 'source' | 'output' | 'step';
}

/**
 * Whether the event-source mapping can evaluate this filter, and the FilterCriteria if so. `where` becomes one
 * Kafka value pattern; `anyOf` becomes one pattern per alternative (Lambda ORs its filters). Code predicates, too
 * many alternatives, over-long patterns and fields nested under another filtered field cannot be pushed down.
 */
export const pushdown = (filter: Filter, context: PushdownContext = {}): Pushdown => {
  if (context.stage === 'output' || context.stage === 'step') {
    return {
      pushable: false,
      reason: `${context.stage === 'output' ? 'an output `when`' : 'a filter step'} runs after the flow's steps and may read fields they add (enriched fields such as customer.tier); only the source filter is pushed down`,
    };
  }
  const alternatives: WhereFilter[] = [];
  const reason = flatten(filter, alternatives);
  if (reason !== undefined) return { pushable: false, reason };
  if (alternatives.length > MAX_FILTERS) {
    return {
      pushable: false,
      reason: `anyOf has ${alternatives.length} alternatives; an event-source mapping takes at most ${MAX_FILTERS} filters`,
    };
  }
  const patterns: string[] = [];
  for (const alternative of alternatives) {
    const value = valuePattern(alternative);
    if (typeof value === 'string') return { pushable: false, reason: value };
    const pattern = JSON.stringify({ value });
    if (pattern.length > MAX_PATTERN_LENGTH) {
      return {
        pushable: false,
        reason: `a pattern is ${pattern.length} characters; Lambda allows ${MAX_PATTERN_LENGTH}`,
      };
    }
    patterns.push(pattern);
  }
  return { pushable: true, criteria: { Filters: patterns.map((Pattern) => ({ Pattern })) } };
};

/** Collects the ORed `where` alternatives, or says why the filter cannot be expressed as patterns. */
const flatten = (filter: Filter, into: WhereFilter[]): string | undefined => {
  switch (filter.kind) {
    case 'predicate':
      return `predicate "${filter.name}" is code; only where/anyOf filters can be pushed down`;
    case 'where':
      into.push(filter);
      return undefined;
    case 'anyOf':
      for (const f of filter.filters) {
        const reason = flatten(f, into);
        if (reason !== undefined) return reason;
      }
      return undefined;
  }
};

type PatternNode = { [name: string]: PatternNode | unknown[] };

/** The nested `{ field: { sub: [matchers] } }` object for one `where`, or why it cannot be built. */
const valuePattern = (filter: WhereFilter): PatternNode | string => {
  const root: PatternNode = {};
  for (const [path, condition] of Object.entries(filter.fields)) {
    const segments = path.split('.');
    let node = root;
    for (let i = 0; i < segments.length - 1; i++) {
      const name = segments[i] as string;
      const child = node[name];
      if (Array.isArray(child))
        return `field "${path}" lies under field "${segments.slice(0, i + 1).join('.')}", which is itself filtered`;
      if (child === undefined) node[name] = {};
      node = node[name] as PatternNode;
    }
    const last = segments[segments.length - 1] as string;
    if (node[last] !== undefined) return `field "${path}" has fields under it that are also filtered`;
    node[last] = matchers(condition);
  }
  return root;
};

const literal = (value: Scalar): unknown => (typeof value === 'number' ? { numeric: ['=', value] } : value);

const matchers = (condition: Condition): unknown[] => {
  if (condition === null || typeof condition !== 'object') return [literal(condition)];
  if ('in' in condition) return condition.in.map(literal);
  if ('prefix' in condition) return [{ prefix: condition.prefix }];
  if ('suffix' in condition) return [{ suffix: condition.suffix }];
  if ('equalsIgnoreCase' in condition) return [{ 'equals-ignore-case': condition.equalsIgnoreCase }];
  if ('exists' in condition) return [{ exists: condition.exists }];
  if ('anythingBut' in condition) {
    const list = Array.isArray(condition.anythingBut) ? condition.anythingBut : [condition.anythingBut];
    return [{ 'anything-but': list }];
  }
  const { gt, gte, lt, lte } = condition as NumericCondition;
  const numeric: (string | number)[] = [];
  if (gt !== undefined) numeric.push('>', gt);
  if (gte !== undefined) numeric.push('>=', gte);
  if (lt !== undefined) numeric.push('<', lt);
  if (lte !== undefined) numeric.push('<=', lte);
  return [{ numeric }];
};
