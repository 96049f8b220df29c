/**
 * The one traversal both the in-process predicate and the FilterCriteria evaluator use, so they cannot disagree:
 * walk `segments` from `node`, fanning out over arrays at any depth, and report whether any leaf (a string,
 * number, boolean or null — never an object) at the end of the path satisfies `test`. Objects at the end of the
 * path are not leaves, as in AWS pattern matching ("exists" only works on leaf nodes).
 *
 * Iterative: record values are untrusted, and a recursive walk of a 10⁵-deep array overflows the stack. Paths
 * without arrays (the common case) allocate nothing; arrays go on an explicit stack, visited in element order.
 */
export const someLeaf = (
  node: unknown,
  segments: readonly string[],
  index: number,
  test: (leaf: unknown) => boolean,
): boolean => {
  let current = node;
  for (let i = index; ; i++) {
    if (Array.isArray(current)) return someLeafUnder(current, segments, i, test);
    if (i === segments.length) return (current === null || typeof current !== 'object') && test(current);
    if (current === null || typeof current !== 'object') return false;
    const name = segments[i] as string;
    if (!Object.hasOwn(current, name)) return false;
    current = (current as Record<string, unknown>)[name];
    if (current === undefined) return false;
  }
};

/** `someLeaf` from an array: pending (node, segment index) pairs on a heap stack instead of the call stack. */
const someLeafUnder = (
  array: readonly unknown[],
  segments: readonly string[],
  index: number,
  test: (leaf: unknown) => boolean,
): boolean => {
  const nodes: unknown[] = [];
  const indexes: number[] = [];
  const pushElements = (list: readonly unknown[], at: number) => {
    for (let k = list.length - 1; k >= 0; k--) {
      nodes.push(list[k]);
      indexes.push(at);
    }
  };
  pushElements(array, index);
  while (nodes.length > 0) {
    let current = nodes.pop();
    let i = indexes.pop() as number;
    for (;;) {
      if (Array.isArray(current)) {
        pushElements(current, i);
        break;
      }
      if (i === segments.length) {
        if ((current === null || typeof current !== 'object') && test(current)) return true;
        break;
      }
      if (current === null || typeof current !== 'object') break;
      const name = segments[i] as string;
      if (!Object.hasOwn(current, name)) break;
      current = (current as Record<string, unknown>)[name];
      if (current === undefined) break;
      i++;
    }
  }
  return false;
};

const anyLeaf = (): boolean => true;

/** True when the path holds at least one leaf value. */
export const hasLeaf = (node: unknown, segments: readonly string[]): boolean =>
  someLeaf(node, segments, 0, anyLeaf);

/** A JSON object value: what value patterns (and `where`) can match. */
export const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
