import { describe, expect, it } from 'vitest';
import { jsonLog } from '../../../lib/aws/log.ts';

function capture(level?: string) {
  const lines: string[] = [];
  const log = jsonLog({ service: 'herald', level, write: (line) => lines.push(line), now: () => new Date('2026-01-02T03:04:05Z') });
  return { log, entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>), lines };
}

describe('jsonLog', () => {
  it('writes one JSON object per line: level, message, timestamp, service, then the fields', () => {
    const { log, lines } = capture();
    log.info('regenerate finished', { keys: 3, failed: [] });
    expect(lines).toEqual([
      '{"level":"INFO","message":"regenerate finished","timestamp":"2026-01-02T03:04:05.000Z","service":"herald","keys":3,"failed":[]}\n',
    ]);
  });

  it('drops lines below its level; an unknown level means INFO', () => {
    for (const [level, written] of [
      ['ERROR', ['ERROR']],
      ['warn', ['WARN', 'ERROR']],
      ['DEBUG', ['DEBUG', 'INFO', 'WARN', 'ERROR']],
      [undefined, ['INFO', 'WARN', 'ERROR']],
      ['LOUD', ['INFO', 'WARN', 'ERROR']],
    ] as const) {
      const { log, entries } = capture(level);
      log.debug('d');
      log.info('i');
      log.warn('w');
      log.error('e');
      expect(entries().map((entry) => entry.level)).toEqual(written);
    }
  });

  it('keeps a line whose field JSON cannot hold, writing that field as a string', () => {
    const cycle: Record<string, unknown> = { name: 'a' };
    cycle.self = cycle;
    const { log, entries } = capture();
    log.error('key failed', { key: 'posts/a.md', cycle, big: 10n });
    expect(entries()).toEqual([expect.objectContaining({ level: 'ERROR', key: 'posts/a.md', cycle: '[object Object]', big: '10' })]);
  });
});
