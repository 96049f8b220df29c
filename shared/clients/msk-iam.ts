import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';

/**
 * An MSK IAM OAUTHBEARER token: a SigV4-presigned `kafka-cluster:Connect` URL, base64url encoded. With no
 * credentials provider the default chain is used (the Lambda role).
 */
export const mskIamToken = async (
  region: string,
  credentials?: AwsCredentialIdentityProvider,
): Promise<string> => {
  const signer = await import('aws-msk-iam-sasl-signer-js');
  const { token } = credentials
    ? await signer.generateAuthTokenFromCredentialsProvider({ region, awsCredentialsProvider: credentials })
    : await signer.generateAuthToken({ region });
  return token;
};
