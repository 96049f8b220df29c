import { createHmac } from 'node:crypto';

/**
 * A secret value (a salt) that refuses to be printed: logging a step, its options or an error never shows it.
 * Resolved lazily, once, so it can come from Secrets Manager at first use rather than from an env variable.
 */
export class Secret {
  readonly #load: () => string | Promise<string>;
  #value: Promise<string> | undefined;
  constructor(load: () => string | Promise<string>) {
    this.#load = load;
  }
  /** The value; loaded on the first call and cached for the life of the execution environment. */
  reveal(): Promise<string> {
    this.#value ??= Promise.resolve()
      .then(this.#load)
      .then((value) => {
        if (typeof value !== 'string' || value.length < 16)
          throw new Error('a salt must be a string of ≥ 16 characters');
        return value;
      });
    return this.#value;
  }
  toString(): string {
    return '[secret]';
  }
  toJSON(): string {
    return '[secret]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[secret]';
  }
}

export const secret = (load: () => string | Promise<string>): Secret => new Secret(load);

/**
 * Keyed hash of a PII value: HMAC-SHA-256 with the salt as key, hex. HMAC rather than sha256(salt + value) because
 * it is the construction made for keyed hashing; the result is stable for joins and useless without the salt.
 */
export const hashPii = (value: string, salt: string): string =>
  createHmac('sha256', salt).update(value, 'utf8').digest('hex');

export interface MaskOptions {
  /**
   * Characters left visible at the end.
   * @default 4 (an email keeps its first character and its domain instead)
   * @example keepLast: 2
   */
  readonly keepLast?: number;
  /**
   * The character that hides the others.
   * @default '*'
   * @example char: '#'
   */
  readonly char?: string;
}

/** "4111111111111111" → "************1111"; an email keeps its first character and domain: "j***@example.com". */
export const maskPii = (value: string, options: MaskOptions = {}): string => {
  const char = options.char ?? '*';
  const at = value.indexOf('@');
  if (at > 0 && options.keepLast === undefined)
    return `${value[0]}${char.repeat(Math.max(at - 1, 3))}${value.slice(at)}`;
  const keep = Math.min(options.keepLast ?? 4, Math.floor(value.length / 2));
  return char.repeat(value.length - keep) + value.slice(value.length - keep);
};
