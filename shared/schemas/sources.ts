import type { GlueClient } from '@aws-sdk/client-glue';
import { awsRegion, endpointFromEnv } from '../clients/endpoints.ts';
import { readSecret } from '../clients/secrets.ts';
import { RetriableError, SluiceError } from '../errors.ts';
import { SchemaFormat as Formats, type SchemaFormat } from './codecs.ts';
import type { ConfluentRegistryRef, GlueRegistryRef, RegistryRef } from './registry.ts';

/** A writer schema as the registry holds it. */
export interface WriterSchema {
  readonly format: SchemaFormat;
  readonly definition: string;
}

/**
 * Where writer schemas come from. `fetch` answers undefined for an id the registry does not hold, throws a
 * RetriableError when the registry cannot answer now (unreachable, throttling, 5xx) and a non-retriable
 * SluiceError when it refuses for good (credentials, permissions): both fail the batch, which keeps its records.
 */
export interface SchemaSource {
  fetch(id: string): Promise<WriterSchema | undefined>;
}

const formatFromRegistry = (name: string | undefined): SchemaFormat | undefined =>
  name === undefined || name === 'AVRO'
    ? Formats.Avro
    : name === 'PROTOBUF'
      ? Formats.Protobuf
      : name === 'JSON'
        ? Formats.JsonSchema
        : undefined;

const glueClients = new Map<string, Promise<GlueClient>>();

/** The Glue client of a region, once per execution environment; `SLUICE_GLUE_ENDPOINT` points it at moto. */
export const glueClient = (region: string = awsRegion()): Promise<GlueClient> => {
  let client = glueClients.get(region);
  if (client === undefined) {
    client = import('@aws-sdk/client-glue').then(({ GlueClient }) => {
      const endpoint = endpointFromEnv('SLUICE_GLUE_ENDPOINT');
      return new GlueClient({ region, ...(endpoint ? { endpoint } : {}) });
    });
    glueClients.set(region, client);
  }
  return client;
};

interface AwsErrorShape {
  name?: string;
  message?: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number };
}

/** AWS SDK error → retriable unless the registry refused for good. */
export const glueFailure = (error: unknown, what: string): SluiceError => {
  const e = error as AwsErrorShape;
  const status = e.$metadata?.httpStatusCode;
  const refused =
    e.name === 'AccessDeniedException' ||
    e.name === 'UnrecognizedClientException' ||
    status === 401 ||
    status === 403;
  const message = `Glue Schema Registry ${what}: ${e.name ?? 'Error'}: ${e.message ?? String(error)}`;
  return refused ? new SluiceError(message, { cause: error }) : new RetriableError(message, { cause: error });
};

export const glueSource = (
  registry: GlueRegistryRef,
  client: Promise<Pick<GlueClient, 'send'>> = glueClient(registry.region),
): SchemaSource => ({
  fetch: async (id) => {
    const { GetSchemaVersionCommand } = await import('@aws-sdk/client-glue');
    try {
      const answer = await (await client).send(new GetSchemaVersionCommand({ SchemaVersionId: id }));
      const format = formatFromRegistry(answer.DataFormat);
      if (answer.SchemaDefinition === undefined || format === undefined) return undefined;
      return { format, definition: answer.SchemaDefinition };
    } catch (error) {
      const name = (error as AwsErrorShape).name;
      if (name === 'EntityNotFoundException') return undefined;
      throw glueFailure(error, `GetSchemaVersion ${id}`);
    }
  },
});

/** `fetch` as the Confluent source uses it (tests pass their own). */
export type Fetch = typeof fetch;

/** The Authorization header for a Confluent registry, the secret read once per execution environment. */
export const confluentAuthorization = (
  registry: ConfluentRegistryRef,
  secret: (id: string) => Promise<string> = readSecret,
): (() => Promise<string | undefined>) => {
  let header: Promise<string | undefined> | undefined;
  return () => {
    const auth = registry.auth;
    if (auth === undefined) return Promise.resolve(undefined);
    header ??= (
      'secret' in auth
        ? secret(auth.secret).then((text) => {
            const parsed = JSON.parse(text) as { username?: unknown; password?: unknown };
            if (typeof parsed.username !== 'string' || typeof parsed.password !== 'string')
              throw new SluiceError(`secret ${auth.secret} must hold {"username": "…", "password": "…"}`);
            return { username: parsed.username, password: parsed.password };
          })
        : Promise.resolve(auth)
    ).then((c) => `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`);
    // A failed secret read is tried again on the next batch.
    header.catch(() => {
      header = undefined;
    });
    return header;
  };
};

/** One call to a Confluent-compatible registry: JSON in and out; errors classified as the other sources'. */
export const confluentCall = async (
  registry: ConfluentRegistryRef,
  authorization: () => Promise<string | undefined>,
  path: string,
  init: { method?: string; body?: unknown } = {},
  fetcher: Fetch = fetch,
): Promise<{ status: number; body: Record<string, unknown> }> => {
  const auth = await authorization();
  let response: Response;
  try {
    response = await fetcher(`${registry.url}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        accept: 'application/vnd.schemaregistry.v1+json, application/json',
        ...(init.body === undefined ? {} : { 'content-type': 'application/vnd.schemaregistry.v1+json' }),
        ...(auth === undefined ? {} : { authorization: auth }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new RetriableError(`schema registry ${registry.url} unreachable: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const text = await response.text().catch(() => '');
  let body: Record<string, unknown> = {};
  try {
    body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    body = { message: text.slice(0, 200) };
  }
  const status = response.status;
  if (status === 429 || status >= 500)
    throw new RetriableError(
      `schema registry ${registry.url}${path} answered ${status}: ${String(body.message ?? '')}`,
    );
  if (status === 401 || status === 403)
    throw new SluiceError(`schema registry ${registry.url}${path} refused the credentials (${status})`);
  return { status, body };
};

export const confluentSource = (
  registry: ConfluentRegistryRef,
  options: { readonly fetch?: Fetch; readonly secret?: (id: string) => Promise<string> } = {},
): SchemaSource => {
  const authorization = confluentAuthorization(registry, options.secret);
  return {
    fetch: async (id) => {
      const { status, body } = await confluentCall(
        registry,
        authorization,
        `/schemas/ids/${id}`,
        {},
        options.fetch,
      );
      if (status === 404) return undefined;
      if (status !== 200 || typeof body.schema !== 'string')
        throw new SluiceError(`schema registry ${registry.url} answered ${status} for schema ${id}`);
      const format = formatFromRegistry(typeof body.schemaType === 'string' ? body.schemaType : undefined);
      return format === undefined ? undefined : { format, definition: body.schema };
    },
  };
};

/** The source for a declared registry. */
export const schemaSource = (registry: RegistryRef): SchemaSource =>
  registry.type === 'glue' ? glueSource(registry) : confluentSource(registry);
