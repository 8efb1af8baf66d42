// Needs no external server: requests go to an HTTP server of the test's own on 127.0.0.1.
import { SignatureV4 } from '@smithy/signature-v4';
import { afterEach, describe, expect, it } from 'vitest';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { globalEndpoint, regionalEndpoint, sendSigned, Sha256, type SignedRequest } from '../../../lib/aws/signed-request.ts';
import { startScriptedServer, type ScriptedReply, type ScriptedServer } from '../../support/scripted-server.ts';

const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A scripted server under a path of its own, closed after the test. */
async function scriptedServer(replies: ScriptedReply[]): Promise<ScriptedServer> {
  const server = await startScriptedServer(replies, '/base/');
  servers.push(server);
  return server;
}

function request(endpoint: string): SignedRequest {
  return {
    service: 'lambda',
    region: 'eu-west-1',
    endpoint,
    method: 'POST',
    path: '/2015-03-31/functions/f/invocations',
    headers: { 'content-type': 'application/json' },
    body: '{"a":1}',
  };
}

const quick = { baseMs: 1 };

describe('Sha256', () => {
  it('reproduces the AWS Signature V4 test suite (get-vanilla) through the SDK signer', async () => {
    const signer = new SignatureV4({
      service: 'service',
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
      sha256: Sha256,
      applyChecksum: false,
      uriEscapePath: true,
    });
    const signed = await signer.sign(
      {
        method: 'GET',
        protocol: 'https:',
        hostname: 'example.amazonaws.com',
        path: '/',
        query: {},
        headers: { host: 'example.amazonaws.com' },
      },
      { signingDate: new Date('2015-08-30T12:36:00Z') },
    );
    expect(signed.headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, ' +
        'Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
  });
});

describe('AWS endpoints', () => {
  it('puts a regional service under its region, in the China regions’ own domain there', () => {
    expect(regionalEndpoint('lambda', 'eu-west-1')).toBe('https://lambda.eu-west-1.amazonaws.com');
    expect(regionalEndpoint('lambda', 'cn-north-1')).toBe('https://lambda.cn-north-1.amazonaws.com.cn');
  });

  it.each(['us-east-1', 'eu-west-1', 'ap-southeast-2', 'cn-north-1', 'cn-northwest-1', undefined])(
    'finds CloudFront’s API from %s where the SDK’s endpoint rules do',
    async (region) => {
      const client = new CloudFrontClient({ region: region ?? 'us-east-1', credentials });
      try {
        const sdk = await client.config.endpointProvider({ Region: region ?? 'us-east-1', UseFIPS: false, UseDualStack: false });
        const signing = (sdk.properties?.authSchemes as { signingRegion: string }[] | undefined)?.[0]?.signingRegion;
        expect(globalEndpoint('cloudfront', region)).toEqual({ endpoint: sdk.url.origin, region: signing });
      } finally {
        client.destroy();
      }
    },
  );
});

describe('sendSigned', () => {
  it('signs for the service and region, under the endpoint’s own path', async () => {
    const { seen, endpoint } = await scriptedServer([{ status: 202, body: 'queued' }]);
    expect(await sendSigned(credentials, request(endpoint), quick)).toEqual({ status: 202, body: 'queued' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/base/2015-03-31/functions/f/invocations', body: '{"a":1}' });
    expect(seen[0]!.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/eu-west-1\/lambda\/aws4_request, SignedHeaders=content-type;host;[^,]*, Signature=[0-9a-f]{64}$/,
    );
  });

  it('accepts a credential provider, as an SDK client’s config holds it', async () => {
    const { seen, endpoint } = await scriptedServer([{ status: 200 }]);
    await sendSigned(async () => ({ ...credentials, sessionToken: 'token' }), request(endpoint), quick);
    expect(seen[0]!.headers['x-amz-security-token']).toBe('token');
  });

  it.each([
    ['a 5xx', { status: 503, body: '<Error><Code>SlowDown</Code></Error>' }],
    ['429', { status: 429 }],
    ['a 400 throttling error', { status: 400, body: '<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>' }],
  ])('tries again after %s, signing each attempt afresh', async (_, failure) => {
    const { seen, endpoint } = await scriptedServer([failure, { status: 201, body: 'done' }]);
    expect(await sendSigned(credentials, request(endpoint), quick)).toEqual({ status: 201, body: 'done' });
    expect(seen).toHaveLength(2);
    expect(seen[1]!.body).toBe(seen[0]!.body);
  });

  it('gives the last answer back after the last attempt', async () => {
    const { seen, endpoint } = await scriptedServer([{ status: 500, body: 'down' }]);
    expect(await sendSigned(credentials, request(endpoint), { ...quick, attempts: 3 })).toEqual({ status: 500, body: 'down' });
    expect(seen).toHaveLength(3);
  });

  it('does not repeat a request the service refused for a reason of its own', async () => {
    const { seen, endpoint } = await scriptedServer([{ status: 404, body: 'no such function' }]);
    expect((await sendSigned(credentials, request(endpoint), quick)).status).toBe(404);
    expect(seen).toHaveLength(1);
  });

  it('throws the network error when no attempt got an answer', async () => {
    const { endpoint } = await scriptedServer([{ status: 200 }]);
    await Promise.all(servers.splice(0).map((server) => server.close()));
    await expect(sendSigned(credentials, request(endpoint), { ...quick, attempts: 2 })).rejects.toThrow(/fetch failed/);
  });
});
