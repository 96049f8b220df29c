import { Sha256 } from '@smithy/core/checksum';
import { buildQueryString, HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';

/** A GET request to presign with SigV4, as IAM auth tokens are made (RDS, MSK). */
export interface PresignedGet {
  /** The signing name, e.g. `rds-db`, `kafka-cluster`. */
  readonly service: string;
  readonly region: string;
  readonly hostname: string;
  /** Signed as part of the host when given. */
  readonly port?: number;
  readonly query: Readonly<Record<string, string>>;
  /** Seconds the signature is valid (`X-Amz-Expires`). */
  readonly expiresIn: number;
  readonly credentials: AwsCredentialIdentity;
  /** Query parameters added after signing (not covered by the signature), e.g. a user agent. */
  readonly unsignedQuery?: Readonly<Record<string, string>>;
}

/**
 * Presigns `GET https://<host>[:<port>]/?<query>` and returns it without its scheme, query parameters sorted and
 * escaped as the AWS SDK formats a URL (the format the RDS and MSK signers give).
 */
export const presignedGet = async (request: PresignedGet): Promise<string> => {
  const { service, region, hostname, port, credentials } = request;
  const host = port === undefined ? hostname : `${hostname}:${port}`;
  const signer = new SignatureV4({ service, region, credentials, sha256: Sha256 });
  const signed = await signer.presign(
    new HttpRequest({
      method: 'GET',
      protocol: 'https:',
      hostname,
      port,
      path: '/',
      query: { ...request.query },
      // The host header carries the port: the service checks the signature against the endpoint connected to.
      headers: { host },
    }),
    { expiresIn: request.expiresIn },
  );
  return `${host}/?${buildQueryString({ ...signed.query, ...request.unsignedQuery })}`;
};
