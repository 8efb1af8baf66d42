/**
 * Herald's errors: one base class, so that `instanceof HeraldError` tells an expected failure (bad input, a
 * lost race, a missing setting) from a bug, and every wrapper keeps what it wraps as `cause`. Subclasses set
 * `name` themselves: the bundles are minified, and a class's own name would not survive.
 */
export class HeraldError extends Error {}

/** The text of anything thrown: an Error's message, a string as it is, anything else in its string form. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return String(error);
  } catch {
    // An object whose toString throws, or Object.create(null).
    return Object.prototype.toString.call(error);
  }
}

/** The first line of a parser's message (YAML and TOML parsers add a source excerpt below it). */
export function firstLine(message: string): string {
  const end = message.indexOf('\n');
  return (end === -1 ? message : message.slice(0, end)).trim();
}

/** An error for a log line: its name and message, and the HTTP status an AWS SDK error carries. */
export function errorFields(error: unknown): Record<string, unknown> {
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  return {
    name: error instanceof Error ? error.name : 'Error',
    message: messageOf(error),
    ...(status !== undefined && { status }),
  };
}
