/**
 * Strict base64 decoding. `Buffer.from(s, 'base64')` never throws: it skips characters it does not know, so a
 * corrupted payload would decode to silently different bytes. Lambda always sends padded standard base64, so a
 * string decodes cleanly exactly when its length is a multiple of 4 and no character was skipped — checked by
 * comparing the decoded length with the length the input implies, which costs nothing per byte.
 */
export const decodeBase64 = (text: string): Buffer | undefined => {
  const length = text.length;
  if (length % 4 !== 0) return undefined;
  const bytes = Buffer.from(text, 'base64');
  const padding =
    length === 0 ? 0 : text.charCodeAt(length - 1) === 61 ? (text.charCodeAt(length - 2) === 61 ? 2 : 1) : 0;
  return bytes.length === (length / 4) * 3 - padding ? bytes : undefined;
};
