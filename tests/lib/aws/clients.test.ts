import { describe, expect, it } from 'vitest';
import { EnvironmentError, awsSettings, createS3Client, envFlag } from '../../../lib/aws/clients.ts';

describe('awsSettings', () => {
  it('defaults to AWS itself: no endpoint, virtual-hosted S3', () => {
    expect(awsSettings({})).toEqual({ region: undefined, endpoints: {}, forcePathStyle: false });
  });

  it('reads the SDK’s own variables, a service-specific endpoint winning over the general one', () => {
    const settings = awsSettings({
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:5000',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000',
      AWS_ENDPOINT_URL_LAMBDA: 'http://127.0.0.1:9001',
      S3_FORCE_PATH_STYLE: 'true',
    });
    expect(settings).toEqual({
      region: 'eu-west-1',
      endpoints: {
        s3: 'http://127.0.0.1:9000',
        sqs: 'http://127.0.0.1:5000',
        cloudfront: 'http://127.0.0.1:5000',
        lambda: 'http://127.0.0.1:9001',
      },
      forcePathStyle: true,
    });
    expect(awsSettings({ AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'eu-west-1' }).region).toBe('us-east-1');
  });

  it.each([['1'], ['TRUE'], [' yes '], ['on']])('reads %j as true', (value) => {
    expect(envFlag({ S3_FORCE_PATH_STYLE: value }, 'S3_FORCE_PATH_STYLE')).toBe(true);
  });

  it.each([[''], ['0'], ['false'], ['No']])('reads %j as false', (value) => {
    expect(envFlag({ S3_FORCE_PATH_STYLE: value }, 'S3_FORCE_PATH_STYLE')).toBe(false);
  });

  it('names the variable that is wrong instead of guessing', () => {
    expect(() => awsSettings({ S3_FORCE_PATH_STYLE: 'ture' })).toThrow(EnvironmentError);
    expect(() => awsSettings({ S3_FORCE_PATH_STYLE: 'ture' })).toThrow('S3_FORCE_PATH_STYLE must be true or false, got "ture"');
    expect(() => awsSettings({ AWS_ENDPOINT_URL_S3: 'localhost:9000' })).toThrow(
      'AWS_ENDPOINT_URL_S3 must be an http(s) URL, got "localhost:9000"',
    );
    expect(() => awsSettings({ AWS_ENDPOINT_URL: 'not a url' })).toThrow('AWS_ENDPOINT_URL must be an http(s) URL');
  });
});

describe('createS3Client', () => {
  it('builds the client from the given environment, not the process’s', async () => {
    const client = createS3Client({ AWS_REGION: 'ap-east-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:5000', S3_FORCE_PATH_STYLE: '1' });
    expect(await client.config.region()).toBe('ap-east-1');
    expect(client.config.forcePathStyle).toBe(true);
    client.destroy();
  });
});
