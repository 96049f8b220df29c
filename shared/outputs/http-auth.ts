import { RetriableError } from '../errors.ts';

/**
 * An HTTP output's credentials: read from Secrets Manager on first use and kept for the execution environment
 * (never in an environment variable, never logged). An endpoint refusing them drops the copy, so a rotated
 * secret is read again by the next attempt.
 */
export type HttpAuth =
  /** The secret holds the token, or JSON `{"token": "…"}`. */
  | { readonly type: 'bearer'; readonly secretArn: string }
  /** The secret holds JSON `{"username": "…", "password": "…"}`. */
  | { readonly type: 'basic'; readonly secretArn: string };

export interface HttpCredentials {
  /** The `Authorization` header's value. */
  authorization(): Promise<string>;
  /** Forget the value read (the endpoint refused it). */
  forget(): void;
}

const fromJson = (text: string): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

/** The header value for a secret's text; errors name the secret and the shape expected, never its content. */
export const authorizationOf = (auth: HttpAuth, secret: string): string => {
  const json = fromJson(secret);
  if (auth.type === 'bearer') {
    const token = json ? json.token : secret.trim();
    if (typeof token !== 'string' || token.length === 0 || /[\r\n]/.test(token)) {
      throw new RetriableError(`secret ${auth.secretArn} must hold a token, or JSON {"token": "…"}`);
    }
    return `Bearer ${token}`;
  }
  const { username, password } = json ?? {};
  if (typeof username !== 'string' || typeof password !== 'string' || username.includes(':')) {
    throw new RetriableError(
      `secret ${auth.secretArn} must hold JSON {"username": "…", "password": "…"} (no ':' in the username)`,
    );
  }
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
};

/** Credentials read through `readSecret` (shared/clients/secrets.ts in a function). */
export const httpCredentials = (
  auth: HttpAuth,
  readSecret: (secretArn: string) => Promise<string>,
): HttpCredentials => {
  let value: Promise<string> | undefined;
  return {
    authorization() {
      value ??= readSecret(auth.secretArn).then(
        (secret) => authorizationOf(auth, secret),
        (error: unknown) => {
          throw new RetriableError(`cannot read secret ${auth.secretArn}: ${String(error)}`, {
            cause: error,
          });
        },
      );
      value.catch(() => {
        value = undefined;
      });
      return value;
    },
    forget() {
      value = undefined;
    },
  };
};
