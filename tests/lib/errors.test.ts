import { describe, expect, it } from 'vitest';
import { ConfigError, loadSiteConfig, parseConfig } from '../../lib/config.ts';
import { errorFields, HeraldError, messageOf } from '../../lib/errors.ts';
import { FrontMatterError, splitFrontMatter } from '../../lib/post/frontmatter.ts';
import { parsePost } from '../../lib/post/parse.ts';
import type { PostError } from '../../lib/post/types.ts';
import { PreconditionFailedError } from '../../lib/storage/storage.ts';
import { testSite } from './post/test-site.ts';

describe('messageOf', () => {
  it('gives the text of anything thrown', () => {
    expect(messageOf(new TypeError('boom'))).toBe('boom');
    expect(messageOf('plain')).toBe('plain');
    expect(messageOf(42)).toBe('42');
    expect(messageOf(undefined)).toBe('undefined');
    expect(messageOf(Object.create(null))).toBe('[object Object]');
    expect(
      messageOf({
        toString() {
          throw new Error('no');
        },
      }),
    ).toBe('[object Object]');
  });
});

describe('errorFields', () => {
  it('names an error and keeps the HTTP status of an SDK error', () => {
    expect(errorFields(new PreconditionFailedError('k'))).toEqual({
      name: 'PreconditionFailedError',
      message: 'precondition failed for k',
    });
    const sdk = Object.assign(new Error('Slow Down'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
    expect(errorFields(sdk)).toEqual({ name: 'SlowDown', message: 'Slow Down', status: 503 });
    expect(errorFields(null)).toEqual({ name: 'Error', message: 'null' });
  });
});

describe('Herald errors', () => {
  it('share one base class and keep what they wrap as cause', async () => {
    const read = await loadSiteConfig('/nonexistent-herald-dir').catch((error: unknown) => error);
    expect(read).toBeInstanceOf(ConfigError);
    expect(read).toBeInstanceOf(HeraldError);
    expect((read as Error).cause).toMatchObject({ code: 'ENOENT' });

    const json = (() => {
      try {
        return parseConfig('{', 'site.json');
      } catch (error) {
        return error;
      }
    })();
    expect((json as Error).cause).toBeInstanceOf(SyntaxError);

    const yaml = (() => {
      try {
        return splitFrontMatter('---\na: [\n---\n');
      } catch (error) {
        return error;
      }
    })();
    expect(yaml).toBeInstanceOf(FrontMatterError);
    expect((yaml as Error).cause).toBeInstanceOf(Error);

    const rejected = parsePost('posts/bad.md', new TextEncoder().encode('---\na: [\n---\n'), testSite());
    expect(rejected.status).toBe('rejected');
    const error = (rejected as { error: PostError }).error;
    expect(error).toBeInstanceOf(HeraldError);
    expect(error.cause).toBeInstanceOf(FrontMatterError);
  });
});
