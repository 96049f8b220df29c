import { describe, expect, it } from 'vitest';
import { createOpenSearchClient, openSearchAuthFromEnv } from '../../../shared/clients/opensearch.ts';
import { ConfigError } from '../../../shared/errors.ts';

describe('the OpenSearch client settings', () => {
  it('sign with SigV4 for an HTTPS domain endpoint and use plain HTTP locally, unless told otherwise', () => {
    expect(openSearchAuthFromEnv('https://search-reviews.eu-west-1.es.amazonaws.com', {})).toBe('sigv4');
    expect(openSearchAuthFromEnv('http://127.0.0.1:9200', {})).toBe('none');
    expect(
      openSearchAuthFromEnv('https://x.aoss.amazonaws.com', { SLUICE_OPENSEARCH_AUTH: 'sigv4-aoss' }),
    ).toBe('sigv4-aoss');
    expect(() => openSearchAuthFromEnv('https://x', { SLUICE_OPENSEARCH_AUTH: 'basic' })).toThrow(
      ConfigError,
    );
  });

  it('refuse to infer unsigned requests from an http:// endpoint in a deployed function', () => {
    const deployed = { AWS_LAMBDA_FUNCTION_NAME: 'SluiceFlows-search-sink' };

    expect(() => openSearchAuthFromEnv('http://vpc-search.eu-west-1.es.amazonaws.com', deployed)).toThrow(
      ConfigError,
    );
    expect(() => openSearchAuthFromEnv('http://vpc-search.eu-west-1.es.amazonaws.com', deployed)).toThrow(
      /SLUICE_OPENSEARCH_ENDPOINT.*unsigned/,
    );
    // Stated, not inferred: allowed; and the local runner's functions keep their plain-http server.
    expect(openSearchAuthFromEnv('http://x', { ...deployed, SLUICE_OPENSEARCH_AUTH: 'none' })).toBe('none');
    expect(openSearchAuthFromEnv('http://127.0.0.1:9200', { ...deployed, SLUICE_LOCAL: 'true' })).toBe(
      'none',
    );
  });

  it('build a signing client without resolving any credentials up front', () => {
    const client = createOpenSearchClient('https://search-reviews.eu-west-1.es.amazonaws.com', 'sigv4');
    expect(client).toBeDefined();
  });
});
