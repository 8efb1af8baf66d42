import { describe, expect, it } from 'vitest';
import { EnvironmentError } from '../../../lib/aws/clients.ts';
import { environmentOf, readSettings, siteConfigOf } from '../../../lib/aws/environment.ts';
import { DEFAULT_CONFIG } from '../../../lib/config.ts';

const base = { CONTENT_BUCKET: 'content', FEEDS_BUCKET: 'feeds' };
const SEALED = 'public, max-age=86400, immutable';

describe('ARCHIVE_CACHE_CONTROL', () => {
  it('is read into the settings and written back by environmentOf', () => {
    const settings = readSettings({ ...base, ARCHIVE_CACHE_CONTROL: ` ${SEALED} ` });
    expect(settings.archiveCacheControl).toBe(SEALED);
    expect(environmentOf({ archiveCacheControl: SEALED })).toEqual({ ARCHIVE_CACHE_CONTROL: SEALED });
    expect(readSettings({ ...base, ARCHIVE_CACHE_CONTROL: '' })).not.toHaveProperty('archiveCacheControl');
  });

  it('is refused, naming the variable, when it cannot travel as a header', () => {
    const env = { ...base, ARCHIVE_CACHE_CONTROL: 'max-age=60\u2014immutable' };
    expect(() => readSettings(env)).toThrow(EnvironmentError);
    expect(() => readSettings(env)).toThrow(/ARCHIVE_CACHE_CONTROL must be printable ASCII/);
  });
});

describe('siteConfigOf: the stack’s values over herald.config.json', () => {
  const site = { title: 'T', baseUrl: 'https://example.com/', cacheControl: 'public, max-age=3600' };
  const load = (file: Record<string, unknown>, env: Record<string, string>) =>
    siteConfigOf(JSON.stringify({ ...site, ...file }), 's3://content/posts/herald.config.json', readSettings({ ...base, ...env }));
  const stack = { CACHE_CONTROL: 'public, max-age=60, stale-if-error=86400', ARCHIVE_CACHE_CONTROL: SEALED };

  it("writes ARCHIVE_CACHE_CONTROL over archives.cacheControl, keeping the file's other archive settings", () => {
    const loaded = load({ archives: { pageSize: 50, cacheControl: 'public, max-age=600' } }, stack);
    expect(loaded.archives).toEqual({ pageSize: 50, cacheControl: SEALED, tombstoneDays: DEFAULT_CONFIG.archives.tombstoneDays });
    expect(loaded.cacheControl).toBe(stack.CACHE_CONTROL);
    expect(load({}, stack).archives).toEqual({ ...DEFAULT_CONFIG.archives, cacheControl: SEALED });
  });

  it('leaves archives off when the file turns them off', () => {
    const loaded = load({ archives: false }, stack);
    expect(loaded).not.toHaveProperty('archives');
    expect(loaded.cacheControl).toBe(stack.CACHE_CONTROL);
  });

  it("keeps the file's values without the variables", () => {
    const loaded = load({ archives: { cacheControl: 'public, max-age=600' } }, {});
    expect(loaded.archives?.cacheControl).toBe('public, max-age=600');
    expect(loaded.cacheControl).toBe('public, max-age=3600');
  });

  it('checks the file as parseConfig does, naming its source', () => {
    expect(() => load({ archives: { pageSize: 0 } }, stack)).toThrow(/s3:\/\/content\/posts\/herald\.config\.json: 1 problem/);
  });
});
