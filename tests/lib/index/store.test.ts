import { describe, expect, it } from 'vitest';
import { writeJson } from '../../../lib/index/store.ts';
import { MemoryStorage } from '../../../lib/storage/memory/memory-storage.ts';
import { PreconditionFailedError } from '../../../lib/storage/storage.ts';
import { resendingLostReplies } from '../../support/lost-reply.ts';

describe('writeJson', () => {
  it('counts a conditional write as done when the resend of its lost reply is refused by it', async () => {
    const storage = new MemoryStorage();
    const lossy = resendingLostReplies(storage, () => true);
    const created = await writeJson(lossy, 'a.json', { n: 1 }, null);
    expect(created).toBe((await storage.head('a.json'))!.etag);
    const replaced = await writeJson(lossy, 'a.json', { n: 2 }, created);
    expect(replaced).toBe((await storage.head('a.json'))!.etag);
    expect(new TextDecoder().decode((await storage.get('a.json'))!.body)).toBe('{"n":2}');
  });

  it('still refuses a write that lost to another writer', async () => {
    const storage = new MemoryStorage();
    const first = await writeJson(storage, 'a.json', { n: 1 }, null);
    await writeJson(storage, 'a.json', { n: 2 }, first);
    await expect(writeJson(storage, 'a.json', { n: 3 }, first)).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(writeJson(storage, 'a.json', { n: 3 }, null)).rejects.toBeInstanceOf(PreconditionFailedError);
  });
});
