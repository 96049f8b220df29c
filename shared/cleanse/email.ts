/** Good enough to tell an address from a typo'd field; not RFC 5322 (nothing practical is). */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Trims and lower-cases an email address; undefined when it does not look like one. */
export const normaliseEmail = (input: unknown): string | undefined => {
  if (typeof input !== 'string') return undefined;
  const email = input.trim().toLowerCase();
  return EMAIL.test(email) ? email : undefined;
};
