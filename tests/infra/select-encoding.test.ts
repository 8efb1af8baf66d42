// The CDN's viewer-request function, run as CloudFront runs it: its source file alone, `handler(event)`.
import { readFileSync, statSync } from 'node:fs';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { SELECT_ENCODING_SOURCE } from '../../infra/cdn.ts';
import { keyForPath, variantKey, chooseEncoding } from '../../lib/serve/server.ts';

const source = readFileSync(SELECT_ENCODING_SOURCE, 'utf8');

interface CfRequest {
  method: string;
  uri: string;
  querystring: Record<string, { value: string }>;
  headers: Record<string, { value: string }>;
  cookies: Record<string, { value: string }>;
}

const handler = (() => {
  const context = vm.createContext({});
  new vm.Script(`${source}\nthis.handler = handler;`, { filename: 'select-encoding.js' }).runInContext(context);
  return context.handler as (event: unknown) => CfRequest;
})();

/** A viewer-request event as CloudFront Functions (cloudfront-js-2.0) receive it: lower-case header names. */
function run(uri: string, acceptEncoding?: string): string {
  const request: CfRequest = {
    method: 'GET',
    uri,
    querystring: {},
    headers: {
      host: { value: 'd111111abcdef8.cloudfront.net' },
      ...(acceptEncoding !== undefined && { 'accept-encoding': { value: acceptEncoding } }),
    },
    cookies: {},
  };
  const event = { version: '1.0', context: { eventType: 'viewer-request' }, viewer: { ip: '198.51.100.1' }, request };
  const result = handler(event);
  expect(result.headers).toEqual(request.headers);
  return result.uri;
}

describe('select-encoding (CloudFront Function)', () => {
  it('stays within CloudFront Functions’ limits: 10 KB, a plain script without modules, timers, network or for-of', () => {
    expect(statSync(SELECT_ENCODING_SOURCE).size).toBeLessThan(10 * 1024);
    expect(source).not.toMatch(/\b(import|export|require|setTimeout|setInterval|fetch|eval|class)\b/);
    // Statements the runtime lacks (it has ES 5.1's, const, let, async and await): for-of, classes, generators.
    expect(source).not.toMatch(/\bfor\s*\((const|let|var)\s+\w+\s+of\b|function\s*\*|\byield\b/);
    expect(source).toMatch(/^function handler\(event\)/m);
  });

  it('points every feed format, the directory page and the OPML at the variant the viewer accepts', () => {
    for (const name of ['rss.xml', 'atom.xml', 'feed.json', 'index.html', 'feeds.opml', 'feed.css']) {
      expect(run(`/${name}`, 'gzip, deflate, br, zstd')).toBe(`/${name}.br`);
      expect(run(`/tags/%E7%A7%91/${name}`, 'gzip')).toBe(`/tags/%E7%A7%91/${name}.gz`);
      expect(run(`/${name}`, 'br;q=0, gzip;q=0.5')).toBe(`/${name}.gz`);
      expect(run(`/${name}`, 'identity')).toBe(`/${name}`);
      expect(run(`/${name}`)).toBe(`/${name}`);
    }
    expect(run('/', 'br')).toBe('/index.html.br');
    expect(run('/', undefined)).toBe('/');
    expect(run('/robots.txt', 'br')).toBe('/robots.txt');
    expect(run('/rss.xml.br', 'br')).toBe('/rss.xml.br');
  });

  it('chooses as `herald serve` does, so local is AWS', () => {
    const headers = [undefined, '', 'br', 'gzip', 'GZIP, BR', 'br;q=0', 'br;q=0, gzip', 'deflate', 'gzip;q=0, br;q=0.1', '*'];
    const paths = ['/rss.xml', '/tags/x/atom.xml', '/feed.json', '/feeds.opml', '/index.html', '/feed.css', '/tags/x/', '/a.txt'];
    for (const header of headers) {
      for (const path of paths) {
        const key = keyForPath(path)!;
        const chosen = variantKey(key, chooseEncoding(header));
        // An identity request keeps its path: the default root object, or S3's answer for it.
        expect(run(path, header), `${path} ${header}`).toBe(chosen === key ? path : `/${chosen}`);
      }
    }
  });
});
