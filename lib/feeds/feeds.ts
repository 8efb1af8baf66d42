import { renderAtom } from './atom.ts';
import { documentPath } from './descriptor.ts';
import { renderJsonFeed } from './jsonfeed.ts';
import { renderRss } from './rss.ts';
import { FEED_FILES, FEED_FORMATS, type FeedFormat, type FeedInput, type RenderedFile } from './types.ts';

export { archivePath, archiveUrl, feedPath, feedUrl, siteFeed, termFeed } from './descriptor.ts';

const RENDERERS: Record<FeedFormat, (input: FeedInput) => string> = {
  rss: renderRss,
  atom: renderAtom,
  json: renderJsonFeed,
};

/** One document of a feed (its subscription document or an archive page) in its three formats: a pure function of the input (no clock, stable bytes). */
export function renderFeed(input: FeedInput): RenderedFile[] {
  const page = input.history?.page;
  return FEED_FORMATS.map((format) => ({
    path: documentPath(input.feed, page, format),
    body: RENDERERS[format](input),
    contentType: FEED_FILES[format].contentType,
  }));
}
