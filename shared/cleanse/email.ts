/** RFC 5321 limits a path to 256 characters including its angle brackets: an address is at most 254. */
export const MAX_EMAIL_LENGTH = 254;

/**
 * Good enough to tell an address from a typo'd field; not RFC 5322 (nothing practical is). Unambiguous, so it
 * matches in linear time: the local part ends at the only `@`, and the domain's first dot after its first
 * character is the one `\.` takes (`[^\s@]+\.[^\s@]+` could split a dotted domain many ways and backtracked).
 */
const EMAIL = /^[^\s@]+@[^\s@][^\s@.]*\.[^\s@]+$/;

/** Trims and lower-cases an email address; undefined when it does not look like one or is longer than 254. */
export const normaliseEmail = (input: unknown): string | undefined => {
  if (typeof input !== 'string') return undefined;
  const trimmed = input.trim();
  if (trimmed.length > MAX_EMAIL_LENGTH) return undefined;
  const email = trimmed.toLowerCase();
  return EMAIL.test(email) ? email : undefined;
};
