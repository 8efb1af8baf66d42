/**
 * The functions' log: one JSON object per line on stdout (level, message, timestamp, service, then the fields),
 * the shape Powertools' Logger writes and CloudWatch Logs Insights discovers fields in. Written here, not imported:
 * Powertools' Logger was 21 KB of every bundle (3% of the 700 KB budget) for what the functions use of it, four
 * levels and flat fields.
 */
export type LogFields = Record<string, unknown>;

export interface Log {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LEVELS)[number];

export interface JsonLogOptions {
  service: string;
  /** Lines below this level are dropped; an unknown value means INFO. */
  level?: string;
  write?: (line: string) => void;
  now?: () => Date;
}

export function jsonLog({ service, level, write = (line) => process.stdout.write(line), now = () => new Date() }: JsonLogOptions): Log {
  const named = LEVELS.indexOf(level?.toUpperCase() as LogLevel);
  const threshold = named === -1 ? LEVELS.indexOf('INFO') : named;
  const at =
    (index: number) =>
    (message: string, fields: LogFields = {}) => {
      if (index < threshold) return;
      write(`${line({ level: LEVELS[index], message, timestamp: now().toISOString(), service, ...fields })}\n`);
    };
  return { debug: at(0), info: at(1), warn: at(2), error: at(3) };
}

/** A field JSON cannot hold (a cycle, a BigInt) must not lose the line: it is written as its string instead. */
function line(entry: LogFields): string {
  try {
    return JSON.stringify(entry);
  } catch {
    return JSON.stringify(Object.fromEntries(Object.entries(entry).map(([key, value]) => [key, safeValue(value)])));
  }
}

function safeValue(value: unknown): unknown {
  try {
    JSON.stringify(value);
    return value;
  } catch {
    return String(value);
  }
}
