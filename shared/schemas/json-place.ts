/**
 * Where a `JSON.parse` error points, as "line L, column C" of the text (V8 names a character position), or ''
 * when the message names none. Kept apart from the codecs so topic declarations can use it without loading them.
 */
export const jsonErrorPlace = (text: string, message: string): string => {
  const match = /position (\d+)/.exec(message);
  const position = match === null ? firstBadPosition(text) : Number(match[1]);
  if (position === undefined) return '';
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  return ` at line ${line}, column ${column}`;
};

/**
 * V8 names no position for short texts ("Unexpected token '}', … is not valid JSON"): find the shortest prefix
 * that fails before its own end (a prefix that is wrong stays wrong when it grows), in log n
 * parses. Load time only.
 */
const firstBadPosition = (text: string): number | undefined => {
  const wrong = (n: number): boolean => {
    try {
      JSON.parse(text.slice(0, n));
      return false;
    } catch (error) {
      // A prefix that merely stops early fails at its own end (position n) or with "end of JSON input".
      const message = (error as Error).message;
      const at = /position (\d+)/.exec(message);
      return at === null ? !/end of JSON input/.test(message) : Number(at[1]) < n;
    }
  };
  if (!wrong(text.length)) return undefined;
  let low = 0;
  let high = text.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (wrong(mid)) high = mid;
    else low = mid + 1;
  }
  return Math.max(0, low - 1);
};

/** Undefined when `text` is JSON, else what is wrong and where. */
export const jsonSyntaxError = (text: string): string | undefined => {
  try {
    JSON.parse(text);
    return undefined;
  } catch (error) {
    const message = (error as Error).message;
    return `is not valid JSON${jsonErrorPlace(text, message)}: ${message}`;
  }
};
