import { ConfigError } from '../errors.ts';

/** AWS Glue Schema Registry: records framed with header version 3 and a 16-byte schema version UUID. */
export interface GlueRegistryRef {
  readonly kind: 'registry';
  readonly type: 'glue';
  readonly name: string;
  /** The registry's region. Absent: the function's own region. */
  readonly region?: string;
}

/** Basic authentication from a Secrets Manager secret holding `{"username": …, "password": …}`. */
export interface SecretAuth {
  readonly secret: string;
}

/** Basic authentication in the clear: for a local registry only (the CDK app refuses it). */
export interface BasicAuth {
  readonly username: string;
  readonly password: string;
}

/** A Confluent-compatible registry (Confluent, Karapace, Apicurio's ccompat API): magic byte 0 and a 4-byte id. */
export interface ConfluentRegistryRef {
  readonly kind: 'registry';
  readonly type: 'confluent';
  readonly url: string;
  readonly auth?: SecretAuth | BasicAuth;
}

export type RegistryRef = GlueRegistryRef | ConfluentRegistryRef;

/** Options of `glueRegistry`. */
export interface GlueRegistryOptions {
  /**
   * The registry's name (1-255 of a-z A-Z 0-9 - _ $ # .).
   * @example name: 'sluice'
   */
  name: string;
  /**
   * The registry's region.
   * @default the function's region (AWS_REGION)
   * @example region: 'eu-west-1'
   */
  region?: string;
}

/** Options of `confluentRegistry`. */
export interface ConfluentRegistryOptions {
  /**
   * The registry's base URL (http or https).
   * @example url: 'https://schema-registry.example.com'
   */
  url: string;
  /**
   * Credentials: a Secrets Manager secret (name or ARN) holding `{"username","password"}`, or basic credentials
   * in the clear (local use only).
   * @default none (no authentication)
   * @example auth: { secret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:registry-AbCdEf' }
   */
  auth?: SecretAuth | BasicAuth;
}

const GLUE_NAME = /^[a-zA-Z0-9\-_$#.]{1,255}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** Declares an AWS Glue Schema Registry: `glueRegistry({ name: 'sluice' })`. */
export const glueRegistry = (options: GlueRegistryOptions): GlueRegistryRef => {
  const path = 'glueRegistry';
  const known = new Set(['name', 'region']);
  for (const key of Object.keys(options ?? {}))
    if (!known.has(key)) throw new ConfigError(`${path}.${key}`, 'is not an option (name, region)');
  if (typeof options?.name !== 'string' || !GLUE_NAME.test(options.name))
    throw new ConfigError(`${path}.name`, 'must be a Glue registry name (1-255 of a-z A-Z 0-9 - _ $ # .)');
  if (options.region !== undefined && (typeof options.region !== 'string' || !REGION.test(options.region)))
    throw new ConfigError(`${path}.region`, 'must be an AWS region such as eu-west-1');
  return Object.freeze({
    kind: 'registry',
    type: 'glue',
    name: options.name,
    ...(options.region === undefined ? {} : { region: options.region }),
  });
};

/** Declares a Confluent-compatible registry: `confluentRegistry({ url: 'https://…', auth: { secret: '…' } })`. */
export const confluentRegistry = (options: ConfluentRegistryOptions): ConfluentRegistryRef => {
  const path = 'confluentRegistry';
  const known = new Set(['url', 'auth']);
  for (const key of Object.keys(options ?? {}))
    if (!known.has(key)) throw new ConfigError(`${path}.${key}`, 'is not an option (url, auth)');
  let url: URL | undefined;
  try {
    url = typeof options?.url === 'string' ? new URL(options.url) : undefined;
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw new ConfigError(`${path}.url`, 'must be an http or https URL');
  const auth = options.auth;
  if (auth !== undefined) {
    const isSecret = typeof (auth as SecretAuth).secret === 'string' && (auth as SecretAuth).secret !== '';
    const isBasic =
      typeof (auth as BasicAuth).username === 'string' && typeof (auth as BasicAuth).password === 'string';
    if (isSecret === isBasic || Object.keys(auth).length !== (isSecret ? 1 : 2))
      throw new ConfigError(`${path}.auth`, 'must be { secret } or { username, password }');
  }
  return Object.freeze({
    kind: 'registry',
    type: 'confluent',
    url: withoutTrailingSlashes(options.url),
    ...(auth === undefined ? {} : { auth: Object.freeze({ ...auth }) }),
  });
};

const withoutTrailingSlashes = (url: string): string => {
  let end = url.length;
  while (end > 0 && url[end - 1] === '/') end--;
  return url.slice(0, end);
};

export const isRegistryRef = (value: unknown): value is RegistryRef =>
  typeof value === 'object' &&
  value !== null &&
  (value as RegistryRef).kind === 'registry' &&
  ((value as RegistryRef).type === 'glue' || (value as RegistryRef).type === 'confluent');
