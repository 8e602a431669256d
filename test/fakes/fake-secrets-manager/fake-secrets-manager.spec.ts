import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { type FakeSecretsManager, GET_SECRET_VALUE_TARGET, startFakeSecretsManager } from './index';

describe('fake Secrets Manager (real @aws-sdk/client-secrets-manager)', () => {
  let fake: FakeSecretsManager;
  let client: SecretsManagerClient;

  beforeAll(async () => {
    fake = await startFakeSecretsManager();
    client = new SecretsManagerClient({
      endpoint: fake.url,
      region: fake.region,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    client.destroy();
    await fake.close();
  });

  const get = (SecretId: string, VersionStage?: string) =>
    client.send(new GetSecretValueCommand({ SecretId, VersionStage }));

  it('answers GetSecretValue by name and by ARN with the documented fields', async () => {
    const arn = fake.putSecret('billing/stripe-key', 'sk_test_fake_value_1');
    expect(arn).toMatch(
      /^arn:aws:secretsmanager:us-east-1:\d{12}:secret:billing\/stripe-key-\w{6}$/,
    );
    for (const id of ['billing/stripe-key', arn]) {
      const out = await get(id);
      expect(out).toMatchObject({
        ARN: arn,
        Name: 'billing/stripe-key',
        SecretString: 'sk_test_fake_value_1',
        VersionStages: ['AWSCURRENT'],
      });
      expect(out.VersionId).toEqual(expect.any(String));
      expect(out.CreatedDate).toBeInstanceOf(Date);
    }
    expect(fake.calls.at(-1)).toMatchObject({
      target: GET_SECRET_VALUE_TARGET,
      secretId: arn,
      status: 200,
      signed: true,
    });
  });

  it('rotates: the new value is AWSCURRENT, the old one AWSPREVIOUS', async () => {
    fake.putSecret('rotating', 'first-value-0123');
    const first = await get('rotating');
    fake.putSecret('rotating', 'second-value-0123');
    const current = await get('rotating');
    expect(current.SecretString).toBe('second-value-0123');
    expect(current.VersionId).not.toBe(first.VersionId);
    const previous = await get('rotating', 'AWSPREVIOUS');
    expect(previous).toMatchObject({
      SecretString: 'first-value-0123',
      VersionId: first.VersionId,
    });
  });

  it('answers an unknown or deleted secret with ResourceNotFoundException (400)', async () => {
    const missing = await get('nope').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    expect(missing).toMatchObject({
      message: "Secrets Manager can't find the specified secret.",
      $metadata: { httpStatusCode: 400 },
    });
    const arn = fake.putSecret('short-lived', 'value-0123456789');
    fake.deleteSecret(arn);
    await expect(get('short-lived')).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('answers InternalServiceError (500) while down', async () => {
    fake.putSecret('up-and-down', 'value-0123456789');
    fake.down();
    const error = await get('up-and-down').catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'InternalServiceError',
      $fault: 'server',
      $metadata: { httpStatusCode: 500 },
    });
    fake.up();
    expect((await get('up-and-down')).SecretString).toBe('value-0123456789');
  });
});
