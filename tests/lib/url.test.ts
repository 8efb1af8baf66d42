import { describe, expect, it } from 'vitest';
import { safeUrl } from '../../lib/url.ts';

describe('safeUrl', () => {
  const base = 'https://example.org/posts/hello/';

  it('resolves relative and protocol-relative URLs, normalized as WHATWG serializes them', () => {
    expect(safeUrl('../img/a b.png', base)).toBe('https://example.org/posts/img/a%20b.png');
    expect(safeUrl('//cdn.example.net/x', base)).toBe('https://cdn.example.net/x');
    expect(safeUrl('  https://例子.测试/路径 ')).toBe('https://xn--fsqu00a.xn--0zwm56d/%E8%B7%AF%E5%BE%84');
    expect(safeUrl('', base)).toBe(base);
  });

  it('keeps links a reader can follow without running anything', () => {
    for (const url of ['http://a.example/', 'https://a.example/', 'mailto:a@example.org', 'tel:+15551234']) {
      expect(safeUrl(url)).toBe(new URL(url).href);
    }
  });

  it('refuses every other scheme, however it is spelled', () => {
    for (const url of [
      'javascript:alert(1)',
      ' JavaScript:alert(1)',
      'java\tscript:alert(1)',
      'vbscript:x',
      'file:///etc/passwd',
      'data:text/html,<script>',
    ]) {
      expect(safeUrl(url, base), url).toBeUndefined();
    }
    expect(safeUrl('not a url')).toBeUndefined();
  });

  it('allows data: only for images, and only image types', () => {
    expect(safeUrl('data:image/png;base64,iVBORw0KGgo=', base, { image: true })).toBe('data:image/png;base64,iVBORw0KGgo=');
    expect(safeUrl('data:image/png;base64,iVBORw0KGgo=', base)).toBeUndefined();
    expect(safeUrl('data:text/html,x', base, { image: true })).toBeUndefined();
  });
});
