import { describe } from 'vitest';
import { MemoryStorage } from '../../../lib/storage/memory/index.ts';
import { storageContract } from './contract.ts';

describe('MemoryStorage', () => {
  storageContract(() => new MemoryStorage());
});
