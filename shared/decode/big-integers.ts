/**
 * JSON.parse reads every number as a double, so an integer beyond 2^53 − 1 comes out silently rounded
 * (12345678901234567890 → 12345678901234567000). The JSON decoder dead-letters such a record instead of passing
 * an altered value on. Only text holding a run of 16 digits can contain one (2^53 has 16 digits), and any run
 * of 16 covers a position ≡ 15 (mod 16), so the common case reads one character in 16; the full scan below
 * runs only for texts with such a run.
 */

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** True when the text has 16 digits in a row: necessary (not sufficient) for an integer beyond 2^53. */
export const mayHoldUnsafeInteger = (text: string): boolean => {
  const n = text.length;
  for (let j = 15; j < n; j += 16) {
    if (!isDigit(text.charCodeAt(j))) continue;
    let from = j;
    while (from > 0 && isDigit(text.charCodeAt(from - 1))) from--;
    let to = j + 1;
    while (to < n && isDigit(text.charCodeAt(to))) to++;
    if (to - from >= 16) return true;
    // text[to] is not a digit, so the next run of 16 covers to + 16 or a later multiple: resume there.
    j = to;
  }
  return false;
};

/**
 * The first integer token (no fraction, no exponent) outside strings that JSON.parse would alter (the double
 * it reads is written back as other digits), in a text that is valid JSON; undefined when there is none. Numbers written with a fraction or an exponent are
 * floating point by their own notation and are left alone.
 */
export const firstUnsafeInteger = (json: string): string | undefined => {
  const n = json.length;
  let i = 0;
  while (i < n) {
    const c = json.charCodeAt(i);
    if (c === 0x22) {
      // A string: skip to its closing quote, stepping over escapes.
      i++;
      while (i < n) {
        const d = json.charCodeAt(i);
        if (d === 0x5c) i += 2;
        else if (d === 0x22) break;
        else i++;
      }
      i++;
    } else if (c === 0x2d || isDigit(c)) {
      const start = i;
      if (c === 0x2d) i++;
      const digitsFrom = i;
      while (i < n && isDigit(json.charCodeAt(i))) i++;
      const digits = i - digitsFrom;
      let integer = true;
      while (i < n) {
        const d = json.charCodeAt(i);
        // . e E + - and digits continue a number token.
        if (d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d || isDigit(d)) {
          integer = false;
          i++;
        } else break;
      }
      if (integer && digits >= 16) {
        const token = json.slice(start, i);
        // Beyond 2^53 some integers come back as the same text (what JSON.stringify writes, say 1e20 or
        // 23724836652796030): every output writes them unchanged, so they pass. The others would be altered.
        if (String(Number(token)) !== token) return token;
      }
    } else {
      i++;
    }
  }
  return undefined;
};

const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** The JSONPath (`$.a[0].b`) of the first number equal to `target` in `value`, walked without recursion. */
export const pathOfNumber = (value: unknown, target: number): string | undefined => {
  const stack: [node: unknown, path: string][] = [[value, '$']];
  while (stack.length > 0) {
    const [node, path] = stack.pop() as [unknown, string];
    if (typeof node === 'number') {
      if (node === target) return path;
    } else if (Array.isArray(node)) {
      for (let k = node.length - 1; k >= 0; k--) stack.push([node[k], `${path}[${k}]`]);
    } else if (node !== null && typeof node === 'object') {
      const keys = Object.keys(node);
      for (let k = keys.length - 1; k >= 0; k--) {
        const key = keys[k] as string;
        const step = identifier.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
        stack.push([(node as Record<string, unknown>)[key], `${path}${step}`]);
      }
    }
  }
  return undefined;
};
