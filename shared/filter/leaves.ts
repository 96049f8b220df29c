/**
 * The one traversal both the in-process predicate and the FilterCriteria evaluator use, so they cannot disagree:
 * walk `segments` from `node`, fanning out over arrays at any depth, and report whether any leaf (a string,
 * number, boolean or null — never an object) at the end of the path satisfies `test`. Objects at the end of the
 * path are not leaves, as in AWS pattern matching ("exists" only works on leaf nodes).
 */
export const someLeaf = (
  node: unknown,
  segments: readonly string[],
  index: number,
  test: (leaf: unknown) => boolean,
): boolean => {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) if (someLeaf(node[i], segments, index, test)) return true;
    return false;
  }
  if (index === segments.length) return (node === null || typeof node !== 'object') && test(node);
  if (node === null || typeof node !== 'object') return false;
  const name = segments[index] as string;
  if (!Object.hasOwn(node, name)) return false;
  const child = (node as Record<string, unknown>)[name];
  return child !== undefined && someLeaf(child, segments, index + 1, test);
};

const anyLeaf = (): boolean => true;

/** True when the path holds at least one leaf value. */
export const hasLeaf = (node: unknown, segments: readonly string[]): boolean =>
  someLeaf(node, segments, 0, anyLeaf);

/** A JSON object value: what value patterns (and `where`) can match. */
export const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
