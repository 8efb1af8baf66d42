/**
 * A feed document as its renderer assembles it: its own text (head, separators, tail) around the items' cached
 * fragments (lib/feeds/rendered-items.ts). The document's bytes are its own text encoded once and the fragments'
 * bytes as they are cached, so an item is encoded once however many documents show it, and a build, which only
 * writes bytes, never makes the document's text: that is decoded from the bytes when something reads it (the
 * tests, an incremental run comparing a document with the one it replaces).
 */
import type { Fragment } from './rendered-items.ts';

/** A document's own text, or an item's fragment. */
export type Piece = string | Fragment;

export interface DocumentText {
  /** Made from `chunks` when first read. */
  readonly body: string;
  /** `body`'s UTF-8 bytes, in pieces. */
  chunks: Uint8Array[];
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** Separators between items (`\n  <entry>\n`, `,\n`) come again in every document: each is encoded once. */
const SHORT = 64;
const SHORT_KEPT = 256;
const shortBytes = new Map<string, Uint8Array>();

function encode(text: string): Uint8Array {
  if (text.length > SHORT) return utf8.encode(text);
  let bytes = shortBytes.get(text);
  if (bytes === undefined) {
    bytes = utf8.encode(text);
    if (shortBytes.size < SHORT_KEPT) shortBytes.set(text, bytes);
  }
  return bytes;
}

/**
 * The document made of `pieces`, in order. Texts between two fragments are encoded together, and a piece never
 * ends inside a surrogate pair (pieces end at markup), so the bytes are those of encoding the whole text at once.
 */
export function assemble(pieces: readonly Piece[]): DocumentText {
  let own = '';
  const chunks: Uint8Array[] = [];
  for (const piece of pieces) {
    if (typeof piece === 'string') {
      own += piece;
      continue;
    }
    if (own !== '') {
      chunks.push(encode(own));
      own = '';
    }
    chunks.push(piece.bytes);
  }
  if (own !== '') chunks.push(encode(own));
  let body: string | undefined;
  return {
    chunks,
    get body() {
      body ??= utf8Decoder.decode(joinChunks(chunks));
      return body;
    },
  };
}

/** The bytes of `chunks` in one array of their own. */
export function joinChunks(chunks: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}
