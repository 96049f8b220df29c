// Our MSK IAM token against aws-msk-iam-sasl-signer-js's (a dev dependency, the reference): same credentials,
// same clock, same bytes. No network: a token is a presigned URL made locally.
import { createRequire } from 'node:module';
import { generateAuthTokenFromCredentialsProvider } from 'aws-msk-iam-sasl-signer-js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MskUserAgent, mskIamToken } from '../../../shared/clients/msk-iam.ts';
import { ConfigError } from '../../../shared/errors.ts';

const Now = new Date('2026-11-30T23:41:07.123Z');
const referenceVersion: string = createRequire(import.meta.url)(
  'aws-msk-iam-sasl-signer-js/package.json',
).version;
/** The reference names itself in the token; ours names Sluice, so the comparison passes its name to ours. */
const referenceUserAgent = `aws-msk-iam-sasl-signer-js/${referenceVersion}`;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Now);
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
});

const cases = [
  {
    name: 'a role session (session token) in eu-west-1',
    region: 'eu-west-1',
    credentials: {
      accessKeyId: 'ASIAEXAMPLEKEY000001',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      sessionToken: 'IQoJb3JpZ2luX2VjEJr//////////wEaCWV1LXdlc3QtMSJHMEUCIQD+abc/def==',
    },
  },
  {
    name: 'long-term keys in us-east-2',
    region: 'us-east-2',
    credentials: { accessKeyId: 'AKIAEXAMPLEKEY000002', secretAccessKey: 'c2VjcmV0+/secret=' },
  },
  {
    name: 'credentials expiring in 10 minutes (the token lives 600 s, not 900)',
    region: 'ap-southeast-2',
    credentials: {
      accessKeyId: 'ASIAEXAMPLEKEY000003',
      secretAccessKey: 'secret3',
      sessionToken: 'session3',
      expiration: new Date(Now.getTime() + 600_000),
    },
  },
];

describe('an MSK IAM token', () => {
  it.each(cases)(
    'equals aws-msk-iam-sasl-signer-js’s byte for byte: $name',
    async ({ region, credentials }) => {
      // Prepare
      const provider = async () => credentials;
      // Act
      const [token, expected] = await Promise.all([
        mskIamToken(region, provider, referenceUserAgent),
        generateAuthTokenFromCredentialsProvider({ region, awsCredentialsProvider: provider }),
      ]);
      // Assess
      expect(token).toBe(expected.token);
    },
  );

  it('is a presigned kafka-cluster:Connect request that names Sluice as its user agent', async () => {
    // Prepare
    const { region, credentials } = cases[0]!;
    // Act
    const token = await mskIamToken(region, async () => credentials);
    // Assess
    const url = new URL(Buffer.from(token, 'base64url').toString('utf8'));
    expect(url.origin).toBe('https://kafka.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('Action')).toBe('kafka-cluster:Connect');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('User-Agent')).toBe(MskUserAgent);
    expect(token).not.toContain('=');
  });

  it('signs with the execution role’s keys from the environment by default, and names them when missing', async () => {
    // Prepare
    vi.stubEnv('AWS_ACCESS_KEY_ID', '');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', '');
    // Act
    const error = await mskIamToken('eu-west-1').catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).path).toBe('AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY');
  });
});
