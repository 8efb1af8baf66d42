/**
 * What the coordinator of a fanned-out rebuild and its workers exchange, through the state storage (the
 * queue's messages only name a task: SQS takes 256 KB a message, a task's keys take more):
 *
 *   rebuilds/<build>/tasks/<n>.json    the keys one worker reads (written by the coordinator)
 *   rebuilds/<build>/parts/<n>.json    what it read: lists, schedule, the posts still among some feed's newest
 *
 * `<build>` is the coordinator's lease, so a worker can tell whether the rebuild it works for still holds
 * the index, and objects of a dead rebuild never mix with a live one's.
 */
import type { Entry } from '../../index/entries.ts';
import type { FeedId } from '../../index/feed-id.ts';
import type { Candidate, Listed } from '../collected.ts';

export const REBUILDS_PREFIX = 'rebuilds/';

export function buildPrefix(build: string): string {
  return `${REBUILDS_PREFIX}${build}/`;
}

export function taskKey(build: string, index: number): string {
  return `${buildPrefix(build)}tasks/${index}.json`;
}

export function partsPrefix(build: string): string {
  return `${buildPrefix(build)}parts/`;
}

export function partKey(build: string, index: number): string {
  return `${partsPrefix(build)}${index}.json`;
}

/** The queue message: which task of which rebuild. */
export interface TaskMessage {
  build: string;
  task: number;
}

/** `tasks/<n>.json`. */
export interface Task {
  /** The rebuild's clock: every worker decides visibility at the same instant. */
  now: string;
  /** The stored records were built with this configuration (`Rebuild.reuse`). */
  reuse: boolean;
  /** The configuration's fingerprint: a worker that loads another one must not read for this rebuild. */
  site: string;
  /** `[key, listed ETag (or ''), whether a record exists]`. */
  keys: [key: string, etag: string, stored: boolean][];
}

/** `parts/<n>.json`. */
export interface Part {
  /** Keys read (a key gone meanwhile is not: its record is forgotten, as in a single-process rebuild). */
  seen: string[];
  /** Each feed's entries of the posts that are final (their records are written). */
  lists: [FeedId, Entry[]][];
  schedule: [string, string][];
  /** Posts still among some feed's newest within this part: the coordinator decides which are shown. */
  candidates: Omit<Candidate, 'refs'>[];
  published: number;
  /** Posts taken from their stored records (`RunReport`'s `unchanged`). */
  unchanged: number;
  skipped: { key: string; reason: string }[];
  rejected: { key: string; reason: string }[];
  warned: { key: string; reason: string }[];
  failed: { key: string; error: string }[];
  /** The worker could not read for this rebuild (it loaded another configuration): the rebuild fails. */
  error?: string;
}

/** Cuts the listed keys into tasks of at most `size`, in key order. */
export function partition(keys: readonly Listed[], size: number): Listed[][] {
  const tasks: Listed[][] = [];
  for (let start = 0; start < keys.length; start += size) tasks.push(keys.slice(start, start + size));
  return tasks;
}
