import { messageOf } from '../errors.ts';
import { FEED_FILE_NAMES } from '../feeds/types.ts';

/**
 * Absolute URLs of the feeds among changed storage keys (the directory page and OPML are not feeds),
 * spelled exactly as the feeds' own `rel="self"` links: `feedsUrl` plus each key segment percent-encoded.
 */
export function changedFeedUrls(feedsUrl: string, keys: Iterable<string>): string[] {
  const urls = new Set<string>();
  for (const key of keys) {
    if (!FEED_FILE_NAMES.has(key.slice(key.lastIndexOf('/') + 1))) continue;
    urls.add(feedsUrl + key.split('/').map(encodeURIComponent).join('/'));
  }
  return [...urls].sort();
}

export interface PublishOptions {
  /** Whole-run budget: a slow hub must not hold the function (and its batch) for long. */
  timeoutMs?: number;
  /** Requests in flight at once. */
  concurrency?: number;
  onFailure?: (url: string, reason: string) => void;
}

export interface PublishResult {
  published: string[];
  failed: { url: string; reason: string }[];
}

/**
 * Tells the hub that feeds changed (WebSub publish: a form POST with `hub.mode=publish` and `hub.url`),
 * one request per feed, the form every hub understands. Never throws: feeds are already written, and a
 * hub that is down only delays subscribers until their next poll. Failures are returned and reported.
 */
export async function publishToHub(hub: string, urls: string[], options: PublishOptions = {}): Promise<PublishResult> {
  const { timeoutMs = 5_000, concurrency = 4, onFailure } = options;
  const signal = AbortSignal.timeout(timeoutMs);
  const result: PublishResult = { published: [], failed: [] };
  let next = 0;
  async function worker(): Promise<void> {
    while (next < urls.length) {
      const url = urls[next++]!;
      const reason = await ping(hub, url, signal);
      if (reason === undefined) result.published.push(url);
      else {
        result.failed.push({ url, reason });
        onFailure?.(url, reason);
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, urls.length) }, worker));
  return result;
}

/** `undefined` when the hub accepted the ping (any 2xx; hubs answer 204 or 202), else why not. */
async function ping(hub: string, url: string, signal: AbortSignal): Promise<string | undefined> {
  try {
    const response = await fetch(hub, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ 'hub.mode': 'publish', 'hub.url': url }),
      signal,
    });
    await response.arrayBuffer();
    return response.ok ? undefined : `hub answered ${response.status} ${response.statusText}`.trim();
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return (error as Error).name === 'TimeoutError' ? 'hub did not answer in time' : `${messageOf(error)}${cause ? ` (${cause})` : ''}`;
  }
}
