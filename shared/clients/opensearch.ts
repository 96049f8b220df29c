import { Client } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws-v3';
import { ConfigError } from '../errors.ts';
import { awsRegion, endpointFromEnv } from './endpoints.ts';
import { credentialsFromEnv } from './role-credentials.ts';

/** `sigv4` signs for Amazon OpenSearch Service (`aoss` for Serverless); `none` is plain HTTP (local). */
export type OpenSearchAuth = 'sigv4' | 'sigv4-aoss' | 'none';

/** Running in Lambda proper: the runtime names the function, and the local runner's marker is absent. */
const deployed = (env: NodeJS.ProcessEnv): boolean =>
  Boolean(env.AWS_LAMBDA_FUNCTION_NAME) && env.SLUICE_LOCAL !== 'true';

/**
 * The declared mode, else SigV4, except for a local `http://` server. A deployed flow never infers `none` from
 * an `http://` endpoint: that would silently send unsigned requests, so it is a ConfigError instead.
 */
export const openSearchAuthFromEnv = (
  endpoint: string,
  env: NodeJS.ProcessEnv = process.env,
): OpenSearchAuth => {
  const declared = env.SLUICE_OPENSEARCH_AUTH;
  if (declared === 'sigv4' || declared === 'sigv4-aoss' || declared === 'none') return declared;
  if (declared) throw new ConfigError('SLUICE_OPENSEARCH_AUTH', `unknown mode "${declared}"`);
  if (!endpoint.startsWith('http://')) return 'sigv4';
  if (deployed(env)) {
    throw new ConfigError(
      'SLUICE_OPENSEARCH_ENDPOINT',
      `"${endpoint}" is plain http: a deployed flow would send unsigned requests; give the domain's https:// endpoint (SigV4), or set SLUICE_OPENSEARCH_AUTH=none if unsigned is meant`,
    );
  }
  return 'none';
};

export const createOpenSearchClient = (endpoint: string, auth: OpenSearchAuth): Client => {
  const signer =
    auth === 'none'
      ? {}
      : AwsSigv4Signer({
          region: awsRegion(),
          service: auth === 'sigv4-aoss' ? 'aoss' : 'es',
          // The role's keys, as the IAM token signers take them: the signer's own default would import the SDK's
          // provider chain at the first request.
          getCredentials: credentialsFromEnv(),
        });
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
