import { GetFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { KafkaConfig } from 'kafkajs';
import { type KafkaAuthDeps, kafkaAuthFromEnv, kafkaSecurity } from '../../shared/clients/kafka-auth.ts';
import { mskIamToken } from '../../shared/clients/msk-iam.ts';
import { readSecret } from '../../shared/clients/secrets.ts';

/** How a tool signs MSK IAM tokens and reads a SCRAM secret (fakes in tests). @default the AWS SDK's chain */
export type AuthPorts = Partial<Pick<KafkaAuthDeps, 'iamToken' | 'readSecret'>>;

/**
 * The cluster exactly as a deployed flow reaches it: brokers, auth mode and SCRAM secret from its function's
 * environment; credentials from the usual AWS chain (MSK IAM tokens are signed with them, a SCRAM password is
 * read from Secrets Manager).
 */
export const flowKafkaConfig = async (
  lambda: Pick<LambdaClient, 'send'>,
  functionName: string,
  region: string,
  clientId: string,
  ports: AuthPorts = {},
): Promise<KafkaConfig> => {
  const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
  const env = config.Environment?.Variables ?? {};
  const brokers = (env.SLUICE_KAFKA_BROKERS ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (brokers.length === 0) {
    throw new Error(
      `function ${functionName} has no SLUICE_KAFKA_BROKERS: the stack was deployed without brokers`,
    );
  }
  const security = await kafkaSecurity(kafkaAuthFromEnv(env), {
    region,
    // A person's machine signs with the usual chain (profile, SSO); a function signs with its role's env keys.
    iamToken: ports.iamToken ?? ((r) => mskIamToken(r, fromNodeProviderChain())),
    readSecret: ports.readSecret ?? ((arn) => readSecret(arn)),
  });
  return { clientId, brokers, ...security };
};
