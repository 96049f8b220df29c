import { randomBytes } from 'node:crypto';
import { readState } from '../../local/services/state.ts';

export interface Endpoints {
  readonly kafka: { readonly brokers: string[] };
  readonly dynamodb: { readonly endpoint: string };
  readonly opensearch: { readonly endpoint: string };
  readonly s3: { readonly endpoint: string };
  /** A connection string (`postgres://user@host:port`). */
  readonly postgres: { readonly url: string };
}

/** The running local servers, as the global setup (or `npm run servers -- up`) left them in .local/state.json. */
export const endpoints = (): Endpoints => {
  const state = readState();
  const need = (name: keyof Endpoints & keyof typeof state): string => {
    const endpoint = state[name]?.endpoint;
    if (!endpoint) throw new Error(`${name} is not running: start it with npm run servers -- up ${name}`);
    return endpoint;
  };
  return {
    kafka: { brokers: [need('kafka')] },
    dynamodb: { endpoint: need('dynamodb') },
    opensearch: { endpoint: need('opensearch') },
    s3: { endpoint: need('s3') },
    postgres: { url: need('postgres') },
  };
};

/** Local servers accept any credentials; the SDK still needs some. */
export const localAws = (endpoint: string) =>
  ({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  }) as const;

/** A name no other test uses: lower-case, valid as a topic, table, bucket or index name. */
export const uniqueName = (prefix: string): string =>
  `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
