import { isUtf8 } from 'node:buffer';
import { decodeBase64 } from '../decode/base64.ts';
import type { KafkaEventRecord } from '../decode/event.ts';
import { ConfigError } from '../errors.ts';
import { hasLeaf, isJsonObject, someLeaf } from './leaves.ts';
import type { FilterCriteria } from './pattern.ts';

/** Decides, like the event-source mapping does before invoking, whether a Kafka event record passes. */
export type EventRecordMatcher = (record: KafkaEventRecord) => boolean;

/**
 * Compiles FilterCriteria as Lambda documents them for Kafka sources: a record passes when any filter matches
 * (no filters: every record passes). Within a pattern, fields are ANDed, the values listed for a field are ORed,
 * `$or` ORs sub-patterns, and a field whose data is an array matches when any element matches. `value` patterns
 * are matched against the record value decoded from base64 as UTF-8 JSON: an object pattern matches only JSON
 * object values, so tombstones and non-JSON values never match it; a list pattern on `value` itself compares the
 * whole value (a JSON scalar, or the text when it is not JSON). Other top-level fields match the event record's
 * own metadata (topic, partition, offset, timestamp, timestampType, key as base64).
 *
 * Where the documentation is silent, this implementation decides, and the in-process compiler agrees (a
 * property test holds them together): `exists` looks at leaves only; a string `anything-but` list matches any
 * leaf that is not one of those strings; a numeric one matches only numbers; numbers compare as IEEE doubles.
 *
 * Throws ConfigError for a pattern Lambda would reject (not JSON, unknown operator, malformed numeric range).
 */
export const compileFilterCriteria = (criteria: FilterCriteria | undefined): EventRecordMatcher => {
  const filters = criteria?.Filters ?? [];
  if (filters.length === 0) return () => true;
  const patterns = filters.map((f, i) => compilePattern(f.Pattern, `FilterCriteria.Filters[${i}].Pattern`));
  return (record) => {
    const view = new RecordView(record);
    for (let i = 0; i < patterns.length; i++) if ((patterns[i] as PatternTest)(view)) return true;
    return false;
  };
};

type PatternTest = (record: RecordView) => boolean;
type LeafTest = (leaf: unknown) => boolean;
type FieldTest = (root: unknown) => boolean;

/** Decodes the value at most once per record, however many patterns look at it. */
class RecordView {
  readonly raw: KafkaEventRecord;
  #decoded = false;
  #json: { readonly ok: boolean; readonly value: unknown } = { ok: false, value: undefined };
  #text: string | undefined;
  constructor(raw: KafkaEventRecord) {
    this.raw = raw;
  }
  #decode(): void {
    if (this.#decoded) return;
    this.#decoded = true;
    const base64 = this.raw.value;
    if (typeof base64 !== 'string') return;
    const bytes = decodeBase64(base64);
    if (bytes === undefined || !isUtf8(bytes)) return;
    this.#text = bytes.toString('utf8');
    try {
      this.#json = { ok: true, value: JSON.parse(this.#text) };
    } catch {
      // not JSON: object patterns cannot match; a list pattern on `value` compares the text
    }
  }
  get json(): { readonly ok: boolean; readonly value: unknown } {
    this.#decode();
    return this.#json;
  }
  get text(): string | undefined {
    this.#decode();
    return this.#text;
  }
}

export const compilePattern = (pattern: string, path: string): PatternTest => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(pattern);
  } catch {
    throw new ConfigError(path, 'is not JSON');
  }
  if (!isJsonObject(parsed) || Object.keys(parsed).length === 0) {
    throw new ConfigError(path, 'must be a non-empty JSON object');
  }
  const tests: PatternTest[] = [];
  for (const [name, node] of Object.entries(parsed)) {
    if (name === '$or') {
      const alternatives = orAlternatives(node, `${path}.$or`).map((alt, i) => {
        // `$or` at the top level combines whole record patterns.
        const sub = compilePattern(JSON.stringify(alt), `${path}.$or[${i}]`);
        return sub;
      });
      tests.push((r) => alternatives.some((t) => t(r)));
    } else if (name === 'value') {
      tests.push(valueTest(node, `${path}.value`));
    } else {
      const field = fieldTests(node, [], `${path}.${name}`);
      tests.push((r) => field((r.raw as unknown as Record<string, unknown>)[name] ?? undefined));
    }
  }
  return (r) => {
    for (let i = 0; i < tests.length; i++) if (!(tests[i] as PatternTest)(r)) return false;
    return true;
  };
};

const valueTest = (node: unknown, path: string): PatternTest => {
  if (Array.isArray(node)) {
    const test = matchersTest(node, [], path);
    return (r) => {
      const json = r.json;
      if (json.ok) return test(json.value);
      const text = r.text;
      return text !== undefined && test(text);
    };
  }
  const test = fieldTests(node, [], path);
  return (r) => {
    const json = r.json;
    return json.ok && isJsonObject(json.value) && test(json.value);
  };
};

const orAlternatives = (node: unknown, path: string): Record<string, unknown>[] => {
  if (!Array.isArray(node) || node.length < 2 || !node.every(isJsonObject)) {
    throw new ConfigError(path, 'must be a list of at least two pattern objects');
  }
  return node;
};

/** An object pattern below the top level: every key is a nested field (or `$or`), ANDed. */
const fieldTests = (node: unknown, prefix: readonly string[], path: string): FieldTest => {
  if (Array.isArray(node)) return matchersTest(node, prefix, path);
  if (!isJsonObject(node) || Object.keys(node).length === 0) {
    throw new ConfigError(path, 'must be a list of matchers or a non-empty object of fields');
  }
  const tests: FieldTest[] = [];
  for (const [name, child] of Object.entries(node)) {
    if (name === '$or') {
      const alternatives = orAlternatives(child, `${path}.$or`).map((alt, i) =>
        fieldTests(alt, prefix, `${path}.$or[${i}]`),
      );
      tests.push((root) => alternatives.some((t) => t(root)));
    } else {
      tests.push(fieldTests(child, [...prefix, name], `${path}.${name}`));
    }
  }
  return (root) => {
    for (let i = 0; i < tests.length; i++) if (!(tests[i] as FieldTest)(root)) return false;
    return true;
  };
};

/** A list of matchers for one field path: ORed. */
const matchersTest = (list: readonly unknown[], segments: readonly string[], path: string): FieldTest => {
  if (list.length === 0) throw new ConfigError(path, 'must list at least one matcher');
  const tests: FieldTest[] = list.map((matcher, i) => {
    const where = `${path}[${i}]`;
    if (isJsonObject(matcher) && 'exists' in matcher) {
      if (typeof matcher.exists !== 'boolean' || Object.keys(matcher).length !== 1) {
        throw new ConfigError(where, 'exists takes true or false');
      }
      const wanted = matcher.exists;
      return (root: unknown) => hasLeaf(root, segments) === wanted;
    }
    const leaf = leafTest(matcher, where);
    return (root: unknown) => someLeaf(root, segments, 0, leaf);
  });
  return tests.length === 1
    ? (tests[0] as FieldTest)
    : (root) => {
        for (let i = 0; i < tests.length; i++) if ((tests[i] as FieldTest)(root)) return true;
        return false;
      };
};

const leafTest = (matcher: unknown, path: string): LeafTest => {
  if (matcher === null || typeof matcher === 'string' || typeof matcher === 'boolean') {
    return (leaf) => leaf === matcher;
  }
  if (typeof matcher === 'number') return (leaf) => typeof leaf === 'number' && leaf === matcher;
  if (!isJsonObject(matcher) || Object.keys(matcher).length !== 1) {
    throw new ConfigError(path, 'a matcher is a JSON scalar or an object with one operator');
  }
  const [operator, operand] = Object.entries(matcher)[0] as [string, unknown];
  switch (operator) {
    case 'prefix':
      return affixTest(operand, path, (s, p) => s.startsWith(p));
    case 'suffix':
      return affixTest(operand, path, (s, p) => s.endsWith(p));
    case 'equals-ignore-case': {
      const lower = requireString(operand, path).toLowerCase();
      return (leaf) => typeof leaf === 'string' && leaf.toLowerCase() === lower;
    }
    case 'numeric':
      return numericTest(operand, path);
    case 'anything-but':
      return anythingButTest(operand, path);
    default:
      throw new ConfigError(path, `unsupported operator "${operator}"`);
  }
};

const requireString = (operand: unknown, path: string): string => {
  if (typeof operand !== 'string') throw new ConfigError(path, 'operand must be a string');
  return operand;
};

const affixTest = (operand: unknown, path: string, test: (s: string, affix: string) => boolean): LeafTest => {
  if (isJsonObject(operand) && typeof operand['equals-ignore-case'] === 'string') {
    const lower = operand['equals-ignore-case'].toLowerCase();
    return (leaf) => typeof leaf === 'string' && test(leaf.toLowerCase(), lower);
  }
  const affix = requireString(operand, path);
  return (leaf) => typeof leaf === 'string' && test(leaf, affix);
};

const comparisons: Readonly<Record<string, (a: number, b: number) => boolean>> = {
  '=': (a, b) => a === b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

const numericTest = (operand: unknown, path: string): LeafTest => {
  if (!Array.isArray(operand) || (operand.length !== 2 && operand.length !== 4)) {
    throw new ConfigError(path, 'numeric takes [op, number] or [op, number, op, number]');
  }
  const checks: { compare: (a: number, b: number) => boolean; bound: number }[] = [];
  for (let i = 0; i < operand.length; i += 2) {
    const op = operand[i];
    const bound = operand[i + 1];
    const compare = typeof op === 'string' ? comparisons[op] : undefined;
    if (compare === undefined || typeof bound !== 'number' || !Number.isFinite(bound)) {
      throw new ConfigError(path, `numeric has a bad comparison at position ${i}`);
    }
    checks.push({ compare, bound });
  }
  return (leaf) => typeof leaf === 'number' && checks.every((c) => c.compare(leaf, c.bound));
};

const anythingButTest = (operand: unknown, path: string): LeafTest => {
  if (isJsonObject(operand)) {
    if (typeof operand.prefix === 'string') {
      const prefix = operand.prefix;
      return (leaf) => typeof leaf === 'string' && !leaf.startsWith(prefix);
    }
    if (typeof operand.suffix === 'string') {
      const suffix = operand.suffix;
      return (leaf) => typeof leaf === 'string' && !leaf.endsWith(suffix);
    }
    throw new ConfigError(path, 'anything-but takes a value, a list, or { prefix } / { suffix }');
  }
  const list = Array.isArray(operand) ? operand : [operand];
  if (list.length > 0 && list.every((v) => typeof v === 'number')) {
    return (leaf) => typeof leaf === 'number' && !list.includes(leaf);
  }
  if (list.length > 0 && list.every((v) => typeof v === 'string')) {
    return (leaf) => !(typeof leaf === 'string' && list.includes(leaf));
  }
  throw new ConfigError(path, 'anything-but values must be all strings or all numbers');
};
