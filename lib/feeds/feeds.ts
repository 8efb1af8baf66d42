import { renderAtom } from './atom.ts';
import { feedPath } from './descriptor.ts';
import { renderJsonFeed } from './jsonfeed.ts';
import { renderRss } from './rss.ts';
import { FEED_FILES, type FeedFormat, type FeedInput, type RenderedFile } from './types.ts';

export { feedPath, feedUrl, siteFeed, termFeed } from './descriptor.ts';

const RENDERERS: Record<FeedFormat, (input: FeedInput) => string> = {
  rss: renderRss,
  atom: renderAtom,
  json: renderJsonFeed,
};

/** One feed in its three formats: a pure function of the input (no clock, stable bytes). */
export function renderFeed(input: FeedInput): RenderedFile[] {
  return (Object.keys(RENDERERS) as FeedFormat[]).map((format) => ({
    path: feedPath(input.feed, format),
    body: RENDERERS[format](input),
    contentType: FEED_FILES[format].contentType,
  }));
}
