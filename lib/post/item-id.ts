/**
 * Item ids. By default an id is a name-based UUID of the content key: stable across edits, new when the file
 * moves, and never changed by the permalink pattern, a slug or the domain, as a URL would be (a reader that sees
 * a new id shows the post again as new). A site that comes from Hugo sets `itemIds: "url"`: Hugo's RSS template
 * writes each item's permalink as its guid, so the post's URL (which lib/post/permalink.ts writes as Hugo does)
 * is the id its readers already hold.
 *
 * A post can declare its own id with front-matter `guid` or `id`, whatever `itemIds` says, so a site that moves
 * to Herald from elsewhere keeps the ids its readers have and a post keeps its id when its file moves. `guid`
 * wins: WordPress exports write the feed GUID there and the numeric post id in `id`.
 *
 * A declared id must be an absolute IRI (Atom's `<id>` requires one; RSS guids and JSON Feed ids take it as
 * is), printable, without spaces, at most MAX_ID_LENGTH characters. One that is not is reported with the file
 * and the problem (a warning of the parse, kept in the post's record), and the post is published with its generated
 * id: `id` is a common key that themes and importers use for other things, and rejecting those posts would take them
 * out of the feeds. Ids shared by posts of one feed are warned of where feed documents are made
 * (lib/pipeline/outputs.ts, `warnDocument`).
 */
import { createHash } from 'node:crypto';
import type { SiteConfig } from '../config.ts';
import { cleanLine, describeValue } from './text.ts';

/** Namespace of Herald's name-based item ids (RFC 4122 version 5). Changing it changes every id. */
const ID_NAMESPACE = Buffer.from('b19bc8e3a063410eb6fc8f78d861ec62', 'hex');

/** Longer ids are no GUID anyone's readers hold; the bound keeps records and feeds small. */
export const MAX_ID_LENGTH = 1024;

/** Characters RFC 3987 allows in no IRI, control and format characters, and non-characters. */
const NOT_IN_IRI = /[\s[\]<>"{}|\\^`\p{Cc}\p{Cf}\p{Cs}\uFFFE\uFFFF]/u;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:./;

/** The stable id of the post stored under `key`: `urn:uuid:` + a version 5 UUID of the key. */
export function itemId(key: string): string {
  const hash = createHash('sha1').update(ID_NAMESPACE).update(key, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.toString('hex', 0, 16);
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The id of a post that declares none: its URL with `itemIds: "url"`, else the id of its key. */
export function generatedId(key: string, url: string, site: Pick<SiteConfig, 'itemIds'>): string {
  return site.itemIds === 'url' ? url : itemId(key);
}

/** A declared id, or what is wrong with it. */
export type DeclaredId = { id: string } | { problem: string } | undefined;

/** The post's declared id from its (lower-cased) front-matter fields; undefined when it declares none. */
export function declaredId(fields: ReadonlyMap<string, unknown>): DeclaredId {
  const name = fields.has('guid') ? 'guid' : fields.has('id') ? 'id' : undefined;
  if (name === undefined) return undefined;
  const value = fields.get(name);
  const problem = idProblem(value);
  return problem === undefined ? { id: cleanLine(value as string) } : { problem: `${name}: ${problem}` };
}

function idProblem(value: unknown): string | undefined {
  if (typeof value !== 'string')
    return `expected a string (an absolute IRI such as https://example.com/?p=123), found ${describeValue(value)}`;
  const id = value.trim();
  if (id === '') return 'is empty';
  if (id.length > MAX_ID_LENGTH) return `is ${id.length} characters long, more than ${MAX_ID_LENGTH}`;
  const bad = NOT_IN_IRI.exec(id);
  if (bad) return `contains ${JSON.stringify(bad[0])}, which an IRI cannot hold`;
  if (!SCHEME.test(id)) return `${JSON.stringify(id)} is not an absolute IRI (it needs a scheme, such as https: or urn:)`;
  return undefined;
}
