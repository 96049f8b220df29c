import { Client } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws-v3';
import { ConfigError } from '../errors.ts';
import { awsRegion, endpointFromEnv } from './endpoints.ts';

/** `sigv4` signs for Amazon OpenSearch Service (`aoss` for Serverless); `none` is plain HTTP (local). */
export type OpenSearchAuth = 'sigv4' | 'sigv4-aoss' | 'none';

export const openSearchAuthFromEnv = (
  endpoint: string,
  env: NodeJS.ProcessEnv = process.env,
): OpenSearchAuth => {
  const declared = env.SLUICE_OPENSEARCH_AUTH;
  if (declared === 'sigv4' || declared === 'sigv4-aoss' || declared === 'none') return declared;
  if (declared) throw new ConfigError('SLUICE_OPENSEARCH_AUTH', `unknown mode "${declared}"`);
  return endpoint.startsWith('http://') ? 'none' : 'sigv4';
};

export const createOpenSearchClient = (endpoint: string, auth: OpenSearchAuth): Client => {
  const signer =
    auth === 'none'
      ? {}
      : AwsSigv4Signer({ region: awsRegion(), service: auth === 'sigv4-aoss' ? 'aoss' : 'es' });
  return new Client({
    node: endpoint,
    ...signer,
    // Retries are the output's job (bounded, per item); the client fails fast.
    maxRetries: 0,
    requestTimeout: 30_000,
  });
};

const clients = new Map<string, Client>();

/** The OpenSearch client for `SLUICE_OPENSEARCH_ENDPOINT`, created once per execution environment. */
export const openSearchClient = (auth?: OpenSearchAuth): Client => {
  const configured = endpointFromEnv('SLUICE_OPENSEARCH_ENDPOINT');
  if (!configured) throw new ConfigError('SLUICE_OPENSEARCH_ENDPOINT', 'not set');
  // A domain endpoint as CloudFormation returns it has no scheme; the service speaks HTTPS.
  const endpoint = /^https?:\/\//.test(configured) ? configured : `https://${configured}`;
  const mode = auth ?? openSearchAuthFromEnv(endpoint);
  const id = `${mode} ${endpoint}`;
  let client = clients.get(id);
  if (!client) {
    client = createOpenSearchClient(endpoint, mode);
    clients.set(id, client);
  }
  return client;
};
