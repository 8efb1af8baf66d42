// Both ways of writing a Markdown body (lib/post/render.ts renderMarkdown): from the tokens when they hold no raw
// HTML, and through sanitize-html, the reference.
import { expect } from 'vitest';
import { renderMarkdown } from '../../../lib/post/render.ts';

export const base = 'https://example.com/blog/post/';

/** What a render ends in: its HTML, or the error it throws. */
export function outcome(render: () => string): string {
  try {
    return render();
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
}

/**
 * Asserts renderMarkdown writes what sanitize-html writes for `source`, or throws the same, and tells whether it took
 * the fast path (never when it throws). Sources over the markup limit never reach either path.
 */
export function expectSanitizerBytes(source: string, url = base, label = ''): boolean {
  let direct = false;
  const fast = outcome(() => {
    const rendered = renderMarkdown(source, url);
    direct = rendered.direct;
    return rendered.html;
  });
  const reference = outcome(() => renderMarkdown(source, url, { sanitizer: true }).html);
  expect(fast, label).toBe(reference);
  return direct;
}
