import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderFeed } from '../../../lib/feeds/feeds.ts';
import { validateFeedFiles } from '../../support/validate.ts';
import { SAMPLES } from './sample.ts';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/feeds');

describe.each(Object.entries(SAMPLES))('the %s sample', (name, input) => {
  const files = renderFeed(input);

  it.each(files.map((file) => [file.path, file] as const))('renders %s as its committed fixture', async (_, file) => {
    await expect(file.body).toMatchFileSnapshot(path.join(FIXTURES, name, path.basename(file.path)));
  });

  it('passes the validity harness, with every item seen by readers', async () => {
    const titles = input.items.map((item) => item.title.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, ''));
    expect(await validateFeedFiles(files.map((file) => ({ ...file, titles })))).toEqual([]);
  });
});

describe('determinism', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('gives byte-identical files for equal input, whatever the clock says', () => {
    const input = SAMPLES.site!;
    vi.useFakeTimers({ now: new Date('2030-06-01T00:00:00Z') });
    const first = renderFeed(structuredClone(input));
    vi.setSystemTime(new Date('1999-12-31T23:59:59Z'));
    const second = renderFeed(structuredClone(input));
    expect(second).toEqual(first);
    // The XHTML namespace of the browser note names its year: not a date.
    expect(first.map((f) => f.body.replaceAll('http://www.w3.org/1999/xhtml', '')).join('')).not.toMatch(/2030|1999/);
  });

  it('does not modify its input', () => {
    const input = SAMPLES.site!;
    const before = structuredClone(input);
    renderFeed(input);
    expect(input).toEqual(before);
  });
});
