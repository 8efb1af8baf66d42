import type { Log } from '../../lib/aws/log.ts';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  extra: Record<string, unknown>;
}

/** A `Log` that keeps its lines, for assertions on what a function reported. */
export function recordingLog(): Log & { lines: LogLine[]; at(level: LogLine['level']): LogLine[] } {
  const lines: LogLine[] = [];
  const write = (level: LogLine['level']) => (message: unknown, extra?: unknown) => {
    lines.push({ level, message: String(message), extra: (extra ?? {}) as Record<string, unknown> });
  };
  return {
    lines,
    at: (level) => lines.filter((line) => line.level === level),
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
  } as Log & { lines: LogLine[]; at(level: LogLine['level']): LogLine[] };
}
