import { describe } from 'vitest';
import { MemoryStorage } from '../../../lib/storage/memory/memory-storage.ts';
import { storageContract } from './contract.ts';

describe('MemoryStorage', () => {
  storageContract(() => new MemoryStorage());
});
