import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it, vi } from 'vitest';
import { kafkaConnectionFromEnv } from '../../../shared/clients/kafka.ts';
import { kafkaAuthFromEnv, kafkaSecurity } from '../../../shared/clients/kafka-auth.ts';
import { mskIamToken } from '../../../shared/clients/msk-iam.ts';
import { readSecret } from '../../../shared/clients/secrets.ts';
import { ConfigError } from '../../../shared/errors.ts';

const noAws = {
  region: 'eu-west-1',
  iamToken: async () => {
    throw new Error('no IAM call expected');
  },
  readSecret: async () => {
    throw new Error('no secret read expected');
  },
};

describe('Kafka authentication', () => {
  it('uses plaintext locally and TLS without SASL when asked', async () => {
    expect(await kafkaSecurity({ mode: 'plaintext' }, noAws)).toEqual({ ssl: false });
    expect(await kafkaSecurity({ mode: 'tls' }, noAws)).toEqual({ ssl: true });
  });

  it('authenticates to MSK with IAM over OAUTHBEARER, asking for a fresh token at each authentication', async () => {
    // Prepare
    const iamToken = vi.fn(async (region: string) => `token-for-${region}`);
    // Act
    const security = await kafkaSecurity({ mode: 'iam' }, { ...noAws, iamToken });
    // Assess
    expect(security.ssl).toBe(true);
    expect(security.sasl?.mechanism).toBe('oauthbearer');
    const provider =
      security.sasl && 'oauthBearerProvider' in security.sasl ? security.sasl.oauthBearerProvider : undefined;
    expect(await provider?.()).toEqual({ value: 'token-for-eu-west-1' });
    await provider?.();
    expect(iamToken).toHaveBeenCalledTimes(2);
  });

  it('signs the MSK IAM token as a presigned kafka-cluster:Connect request for the region', async () => {
    // Prepare: static credentials stand in for the role's, so no AWS call is made
    const credentials = async () => ({
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'session',
    });
    // Act
    const token = await mskIamToken('eu-west-1', credentials);
    // Assess
    const url = new URL(Buffer.from(token, 'base64url').toString('utf8'));
    expect(url.hostname).toBe('kafka.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('Action')).toBe('kafka-cluster:Connect');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(
      /^AKIDEXAMPLE\/\d{8}\/eu-west-1\/kafka-cluster\/aws4_request$/,
    );
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(token).not.toContain('secret');
  });

  it('reads SCRAM credentials from Secrets Manager at connect time', async () => {
    // Prepare
    const send = vi.fn(async (_command: GetSecretValueCommand) => ({
      SecretString: JSON.stringify({ username: 'sluice', password: 'p4ss' }),
    }));
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_sluice';
    // Act
    const security = await kafkaSecurity(
      { mode: 'scram-sha-512', secretArn: arn },
      { ...noAws, readSecret: (secretArn) => readSecret(secretArn, { send } as never) },
    );
    // Assess
    expect(security).toEqual({
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'sluice', password: 'p4ss' },
    });
    expect(send.mock.calls[0]?.[0]).toBeInstanceOf(GetSecretValueCommand);
    expect(send.mock.calls[0]?.[0].input).toEqual({ SecretId: arn });
  });

  it('rejects a SCRAM secret without username and password, without echoing the secret', async () => {
    // Act
    const failure = kafkaSecurity(
      { mode: 'scram-sha-256', secretArn: 'arn:aws:secretsmanager:x' },
      { ...noAws, readSecret: async () => JSON.stringify({ user: 'u', pass: 'hunter2' }) },
    );
    // Assess
    await expect(failure).rejects.toBeInstanceOf(ConfigError);
    await expect(failure).rejects.not.toThrow(/hunter2/);
  });

  it('takes the mode and the non-secret secret ARN from the environment', () => {
    expect(kafkaAuthFromEnv({})).toEqual({ mode: 'plaintext' });
    expect(kafkaAuthFromEnv({ SLUICE_KAFKA_AUTH: 'iam' })).toEqual({ mode: 'iam' });
    expect(
      kafkaAuthFromEnv({ SLUICE_KAFKA_AUTH: 'scram-sha-512', SLUICE_KAFKA_SECRET_ARN: 'arn:x' }),
    ).toEqual({
      mode: 'scram-sha-512',
      secretArn: 'arn:x',
    });
    expect(() => kafkaAuthFromEnv({ SLUICE_KAFKA_AUTH: 'scram-sha-512' })).toThrow(ConfigError);
    expect(() => kafkaAuthFromEnv({ SLUICE_KAFKA_AUTH: 'kerberos' })).toThrow(ConfigError);
  });

  it('takes the brokers from SLUICE_KAFKA_BROKERS', () => {
    const connection = kafkaConnectionFromEnv({ SLUICE_KAFKA_BROKERS: 'b-1:9098, b-2:9098' });
    expect(connection.brokers).toEqual(['b-1:9098', 'b-2:9098']);
  });
});
