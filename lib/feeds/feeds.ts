import { atomDocument } from './atom.ts';
import { documentPath } from './descriptor.ts';
import type { DocumentText } from './document.ts';
import { jsonFeedDocument } from './jsonfeed.ts';
import { rssDocument } from './rss.ts';
import { FEED_FILES, FEED_FORMATS, type FeedFormat, type FeedInput, type RenderedFile } from './types.ts';

export { archivePath, archiveUrl, feedPath, feedUrl, siteFeed, termFeed } from './descriptor.ts';

const RENDERERS: Record<FeedFormat, (input: FeedInput) => DocumentText> = {
  rss: rssDocument,
  atom: atomDocument,
  json: jsonFeedDocument,
};

/**
 * One document of a feed (its subscription document or an archive page) in its three formats: a pure function of the
 * input (no clock, stable bytes). Each file's `body` is decoded from its bytes (`chunks`) when first read.
 */
export function renderFeed(input: FeedInput): RenderedFile[] {
  const page = input.history?.page;
  return FEED_FORMATS.map((format) => {
    const document = RENDERERS[format](input);
    return {
      path: documentPath(input.feed, page, format),
      get body() {
        return document.body;
      },
      chunks: document.chunks,
      contentType: FEED_FILES[format].contentType,
    };
  });
}
