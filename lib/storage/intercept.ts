import type { GetOptions, ListOptions, ObjectInfo, PutOptions, Storage } from './storage.ts';

export type StorageCall =
  | { op: 'get' | 'head' | 'delete'; key: string }
  | { op: 'put'; key: string; body: Uint8Array | string; options: PutOptions }
  | { op: 'list'; prefix: string };

/** The operations that change storage: what a guard of writes hooks. */
export const WRITES: ReadonlySet<StorageCall['op']> = new Set(['put', 'delete']);

export interface Interceptor {
  /**
   * The operations hooked (by default every one); the others go straight to the storage. A rebuild guards only its
   * writes: a hook on each read cost its unchanged build of 30,000 posts two awaits per record.
   */
  ops?: ReadonlySet<StorageCall['op']>;
  /** Runs before the call reaches storage: throw to fail it (the storage is untouched), await to delay it. */
  before?(call: StorageCall): void | Promise<void>;
  /** Runs after the call succeeded: throw to lose the answer of an operation that did happen. */
  after?(call: StorageCall): void | Promise<void>;
}

/**
 * Any storage with hooks around each call: fault injection (a 500 before or after a write lands, a lost
 * conditional write, a crash between two writes), forced interleavings of concurrent runs, and counting
 * calls by kind. A listing is one call, hooked when iteration starts and when it ends.
 */
export function intercept(storage: Storage, interceptor: Interceptor): Storage {
  async function around<T>(call: StorageCall, run: () => Promise<T>): Promise<T> {
    await interceptor.before?.(call);
    const result = await run();
    await interceptor.after?.(call);
    return result;
  }
  const hooked = (op: StorageCall['op']) => interceptor.ops?.has(op) ?? true;
  return {
    get: hooked('get')
      ? (((key: string, options: GetOptions = {}) => around({ op: 'get', key }, () => storage.get(key, options))) as Storage['get'])
      : storage.get.bind(storage),
    head: hooked('head') ? (key) => around({ op: 'head', key }, () => storage.head(key)) : storage.head.bind(storage),
    put: hooked('put')
      ? (key, body, options = {}) => around({ op: 'put', key, body, options }, () => storage.put(key, body, options))
      : storage.put.bind(storage),
    delete: hooked('delete') ? (key) => around({ op: 'delete', key }, () => storage.delete(key)) : storage.delete.bind(storage),
    list: hooked('list')
      ? async function* (prefix = '', options?: ListOptions): AsyncIterable<ObjectInfo> {
          const call: StorageCall = { op: 'list', prefix };
          await interceptor.before?.(call);
          yield* storage.list(prefix, options);
          await interceptor.after?.(call);
        }
      : storage.list.bind(storage),
  };
}
