// Needs no external server: the Lambda invoke is checked against an HTTP server of the test's own on 127.0.0.1.
import { describe, expect, it } from 'vitest';
import { createS3Client, EnvironmentError } from '../../../lib/aws/clients.ts';
import { CONFIG_FILE } from '../../../lib/config.ts';
import { readSettings } from '../../../lib/aws/environment.ts';
import { invokeAsync, Runtime } from '../../../lib/aws/runtime.ts';
import { MemoryStorage } from '../../../lib/storage/memory/memory-storage.ts';
import { startScriptedServer } from '../../support/scripted-server.ts';

const base = { CONTENT_BUCKET: 'content', FEEDS_BUCKET: 'feeds' };

describe('readSettings', () => {
  it('applies the documented defaults', () => {
    expect(readSettings(base)).toEqual({
      contentBucket: 'content',
      contentPrefix: 'posts/',
      feedsBucket: 'feeds',
      feedsPrefix: '',
      statePrefix: '_herald/',
      wildcardThreshold: 15,
    });
  });

  it('reads every optional variable', () => {
    const settings = readSettings({
      ...base,
      CONTENT_PREFIX: 'blog/',
      FEEDS_PREFIX: 'public/',
      STATE_PREFIX: 'index/',
      DISTRIBUTION_ID: 'E123',
      CACHE_CONTROL: 'public, max-age=60',
      WEBSUB_HUB: 'https://hub.example.org/',
      INVALIDATION_WILDCARD_THRESHOLD: '40',
      REBUILD_FUNCTION_NAME: 'herald-rebuild',
    });
    expect(settings).toMatchObject({
      contentPrefix: 'blog/',
      feedsPrefix: 'public/',
      statePrefix: 'index/',
      distributionId: 'E123',
      cacheControl: 'public, max-age=60',
      websubHub: 'https://hub.example.org/',
      wildcardThreshold: 40,
      rebuildFunctionName: 'herald-rebuild',
    });
  });

  it.each([
    [{ FEEDS_BUCKET: 'feeds' }, /CONTENT_BUCKET is not set/],
    [{ CONTENT_BUCKET: 'content' }, /FEEDS_BUCKET is not set/],
    [{ ...base, STATE_PREFIX: '' }, /STATE_PREFIX "" must not be empty/],
    [
      { ...base, FEEDS_PREFIX: 'public/', STATE_PREFIX: 'public/_herald/' },
      /STATE_PREFIX "public\/_herald\/" and FEEDS_PREFIX "public\/" must not contain one another/,
    ],
    [{ ...base, CONTENT_PREFIX: '/posts/' }, /CONTENT_PREFIX "\/posts\/" must not start with/],
    // The stack's rule (infra/prefixes.ts): a prefix without its "/" would also match "blogroll/".
    [{ ...base, CONTENT_PREFIX: 'blog' }, /CONTENT_PREFIX "blog" must end with "\/"/],
    [{ ...base, INVALIDATION_WILDCARD_THRESHOLD: 'many' }, /whole number/],
    [{ ...base, WEBSUB_HUB: 'hub' }, /WEBSUB_HUB is not a URL/],
  ])('refuses %o naming the variable', (env, message) => {
    expect(() => readSettings(env)).toThrow(EnvironmentError);
    expect(() => readSettings(env)).toThrow(message);
  });
});

describe('Runtime.loadSite', () => {
  const config = JSON.stringify({ title: 'T', baseUrl: 'https://example.com/', cacheControl: 'public, max-age=3600' });
  const load = async (env: Record<string, string>) => {
    const content = new MemoryStorage();
    await content.put(CONFIG_FILE, config);
    return new Runtime({ env: { ...base, AWS_REGION: 'eu-west-1', ...env } }).loadSite(content);
  };

  it("writes the stack's CACHE_CONTROL over the site's cacheControl, which applies without it", async () => {
    expect((await load({ CACHE_CONTROL: 'public, max-age=60, stale-if-error=86400' })).cacheControl).toBe(
      'public, max-age=60, stale-if-error=86400',
    );
    expect((await load({})).cacheControl).toBe('public, max-age=3600');
  });

  it('without herald.config.json names the object, herald init and the required keys (Hugo files are not looked for)', async () => {
    const content = new MemoryStorage();
    await content.put('hugo.toml', 'title = "T"\nbaseURL = "https://example.com/"');
    const loading = new Runtime({ env: { ...base, AWS_REGION: 'eu-west-1' } }).loadSite(content);
    await expect(loading).rejects.toThrow(EnvironmentError);
    await expect(loading).rejects.toThrow(
      /herald\.config\.json: no site configuration: upload herald\.config\.json, with at least "title" and "baseUrl" \(`herald init/,
    );
  });
});

describe('invokeAsync', () => {
  it('sends a signed asynchronous Invoke and accepts 202', async () => {
    const server = await startScriptedServer([{ status: 202 }, { status: 404, body: '{"Message":"Function not found"}' }]);
    const { endpoint, seen } = server;
    const env = { AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: endpoint };
    const s3 = createS3Client(env, { credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } });
    try {
      await invokeAsync(s3, env, 'herald-rebuild', { reason: 'config' });
      const [request] = seen;
      expect(request?.method).toBe('POST');
      expect(request?.url).toBe('/2015-03-31/functions/herald-rebuild/invocations');
      expect(request?.headers['x-amz-invocation-type']).toBe('Event');
      expect(request?.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/eu-west-1\/lambda\/aws4_request, SignedHeaders=[^,]*x-amz-invocation-type[^,]*, Signature=[0-9a-f]{64}$/,
      );
      expect(JSON.parse(request!.body)).toEqual({ reason: 'config' });
      await expect(invokeAsync(s3, env, 'missing', {})).rejects.toThrow(/invoking missing failed: 404 .*Function not found/);
    } finally {
      s3.destroy();
      await server.close();
    }
  });
});
