import { intercept, type StorageCall } from '../../lib/storage/intercept.ts';
import type { Storage } from '../../lib/storage/storage.ts';

/**
 * What the SDK makes of a write whose reply is lost (a reset connection after S3 stored the object): it
 * sends the same request again. A conditional write is then refused by its own success, and the caller
 * sees `PreconditionFailedError` for a write that landed. `lose` picks the writes.
 */
export function resendingLostReplies(storage: Storage, lose: (call: StorageCall & { op: 'put' }) => boolean): Storage {
  return intercept(storage, {
    after: async (call) => {
      if (call.op === 'put' && lose(call)) await storage.put(call.key, call.body, call.options);
    },
  });
}
