/**
 * Front-matter dates to instants. Authors write dates in many shapes; the ones without a zone
 * (`"2025-02-12 21:15:03"`, `2025-02-12`, TOML local date-times) are wall-clock times in the
 * site's `timeZone`. Never `new Date(string)`: V8 reads zone-less strings as the machine's zone.
 *
 * Wall-clock times a zone skips (spring forward) move forward by the gap, and times it repeats
 * (fall back) take the earlier instant, as java.time and Temporal's "compatible" mode do. Luxon's
 * own fromObject resolves repeated times from the offset in effect *today*, which would make a build
 * depend on the season it runs in, so the resolution is done here from the zone's offsets.
 */
import { DateTime, IANAZone, type Zone } from 'luxon';
import { TomlDate } from 'smol-toml';
import { HeraldError } from '../errors.ts';

/** A value that is not a date Herald can read; the message says what it got and what it expects. */
export class DateError extends HeraldError {
  override name = 'DateError';
}

const EXPECTED = 'expected a date such as 2025-02-12, 2025-02-12 21:15:03 or 2025-02-12T21:15:03+08:00';

// Date, optional time (T or spaces), optional zone (Z, UTC, GMT, ±HH, ±HHMM, ±HH:MM; a space may precede it).
const ISO_LIKE =
  /^(\d{4})-(\d{2})-(\d{2})(?:(?:[Tt]| +)(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)? *(?:([Zz]|UTC|GMT)|([+-])(\d{2})(?::?(\d{2}))?)?$/;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Wall-clock fields of a date (month 1-12). */
interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

/** The end of a format with `timeZoneName: 'longOffset'`: `GMT`, `GMT+08:00`, `GMT-00:44:30`. */
const LONG_OFFSET = /GMT(?:([+-])(\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/**
 * One zone's UTC offsets with a cache: Intl lookups cost microseconds and a corpus hits the same
 * few hours over and over. An hour is cached only when its two ends have the same offset, so an
 * hour containing a transition is always looked up exactly.
 */
class ZoneOffsets {
  private readonly hours = new Map<number, number>();
  private static readonly MAX_CACHED_HOURS = 100_000;
  private readonly offsets: Intl.DateTimeFormat;

  constructor(readonly zone: Zone) {
    this.offsets = new Intl.DateTimeFormat('en-US', { timeZone: zone.name, timeZoneName: 'longOffset' });
  }

  /** Offset in minutes at the instant `ms`. */
  at(ms: number): number {
    if (this.zone.isUniversal) return this.zone.offset(ms);
    const hour = Math.floor(ms / HOUR);
    const cached = this.hours.get(hour);
    if (cached !== undefined) return cached;
    const start = this.offset(hour * HOUR);
    if (start !== this.offset(hour * HOUR + HOUR - 1)) return this.offset(ms);
    if (this.hours.size >= ZoneOffsets.MAX_CACHED_HOURS) this.hours.clear();
    this.hours.set(hour, start);
    return start;
  }

  /**
   * Luxon's `zone.offset(ms)`, from the zone's offset as Intl writes it (`GMT-00:44:30`) rather than from every
   * wall-clock field formatToParts gives: a quarter of the cost, the same minutes (fractions too) in every zone of
   * Intl's list over the years 0000-9999.
   */
  private offset(ms: number): number {
    const match = Number.isFinite(ms) ? LONG_OFFSET.exec(this.offsets.format(ms)) : null;
    if (!match) return this.zone.offset(ms);
    const [, sign, hours, minutes, seconds] = match;
    if (sign === undefined) return 0;
    const span = (Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds ?? 0)) * 1000;
    return (sign === '-' ? -span : span) / 60_000;
  }

  /** The instant the wall-clock time `local` (wall fields read as if UTC) names in this zone. */
  resolve(local: number): number {
    const before = this.at(local - DAY);
    const after = this.at(local + DAY);
    const early = local - before * 60_000;
    const late = local - after * 60_000;
    const earlyValid = this.at(early) === before;
    const lateValid = this.at(late) === after;
    if (earlyValid && lateValid) return Math.min(early, late);
    if (earlyValid) return early;
    if (lateValid) return late;
    // In a gap: the offset from before the transition lands the same distance after it.
    return early;
  }
}

const zones = new Map<string, ZoneOffsets>();

/** The cached offsets of an IANA zone; throws DateError for an unknown zone. */
function zoneOffsets(timeZone: string): ZoneOffsets {
  let offsets = zones.get(timeZone);
  if (!offsets) {
    const zone = IANAZone.create(timeZone);
    if (!zone.isValid) throw new DateError(`unknown time zone ${JSON.stringify(timeZone)}`);
    offsets = new ZoneOffsets(zone);
    zones.set(timeZone, offsets);
  }
  return offsets;
}

/** Wall fields read as if they were UTC, or NaN when a field is out of range (Feb 30, 25:00). */
function wallAsUtc(wall: Wall): number {
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  date.setUTCFullYear(wall.year, wall.month - 1, wall.day);
  date.setUTCHours(wall.hour, wall.minute, wall.second, wall.millisecond);
  const valid =
    date.getUTCFullYear() === wall.year &&
    date.getUTCMonth() === wall.month - 1 &&
    date.getUTCDate() === wall.day &&
    date.getUTCHours() === wall.hour &&
    date.getUTCMinutes() === wall.minute &&
    date.getUTCSeconds() === wall.second;
  return valid ? date.getTime() : Number.NaN;
}

/** The instant (epoch ms) of a wall-clock time in an IANA zone. */
export function wallTimeIn(wall: Wall, timeZone: string): number {
  const local = wallAsUtc(wall);
  if (Number.isNaN(local)) return local;
  return zoneOffsets(timeZone).resolve(local);
}

/**
 * A front-matter date value as epoch milliseconds. Strings (ISO 8601 / RFC 3339 shapes with or
 * without zone, date only, RFC 2822), JS Dates and TOML dates are accepted; anything else throws
 * DateError.
 */
export function parseDate(value: unknown, timeZone: string): number {
  if (value instanceof Date) return inRange(fromDateObject(value, timeZone));
  if (typeof value === 'string') return inRange(fromString(value.trim(), timeZone));
  if (typeof value === 'number') throw new DateError(`${EXPECTED}, got the number ${value}`);
  throw new DateError(`${EXPECTED}, got ${describe(value)}`);
}

// toISOString() writes years beyond 9999 as "+010000", which would break ordering by string.
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const EARLIEST = -62_167_219_200_000; // 0000-01-01T00:00:00Z

/** Whether the instant's ISO string is `YYYY-MM-DDTHH:mm:ss.sssZ` (false for NaN). */
const inYears = (ms: number): boolean => ms >= EARLIEST && ms <= LATEST;

function inRange(ms: number): number {
  if (!inYears(ms)) throw new DateError(`${EXPECTED}, got a date outside the years 0000-9999`);
  return ms;
}

function fromDateObject(value: Date, timeZone: string): number {
  if (Number.isNaN(value.getTime())) throw new DateError(`${EXPECTED}, got an invalid date`);
  if (!(value instanceof TomlDate)) return value.getTime();
  if (value.isTime()) throw new DateError(`${EXPECTED}, got a time of day without a date (${value.toISOString()})`);
  if (!value.isLocal()) return value.getTime();
  // TOML local dates and date-times keep their wall-clock fields in the UTC accessors.
  const ms = wallTimeIn(
    {
      year: value.getUTCFullYear(),
      month: value.getUTCMonth() + 1,
      day: value.getUTCDate(),
      hour: value.getUTCHours(),
      minute: value.getUTCMinutes(),
      second: value.getUTCSeconds(),
      millisecond: value.getUTCMilliseconds(),
    },
    timeZone,
  );
  if (Number.isNaN(ms)) throw new DateError(`${EXPECTED}, got ${value.toISOString()}`);
  return ms;
}

function fromString(text: string, timeZone: string): number {
  const match = ISO_LIKE.exec(text);
  if (!match) {
    // RFC 2822 (`Wed, 12 Feb 2025 21:15:03 +0800`) always carries its zone.
    const rfc = DateTime.fromRFC2822(text, { setZone: true });
    if (rfc.isValid) return rfc.toMillis();
    throw new DateError(`${EXPECTED}, got ${JSON.stringify(text)}`);
  }
  const [, y, mo, d, h, mi, s, fraction, utc, sign, oh, om] = match;
  const wall: Wall = {
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: h === undefined ? 0 : Number(h),
    minute: mi === undefined ? 0 : Number(mi),
    second: s === undefined ? 0 : Number(s),
    millisecond: fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0')),
  };
  let ms: number;
  if (utc !== undefined) {
    ms = wallAsUtc(wall);
  } else if (sign !== undefined) {
    const offsetHours = Number(oh);
    const offsetMinutes = om === undefined ? 0 : Number(om);
    if (offsetHours > 23 || offsetMinutes > 59) throw new DateError(`${EXPECTED}, got ${JSON.stringify(text)} (bad UTC offset)`);
    ms = wallAsUtc(wall) - (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  } else {
    ms = wallTimeIn(wall, timeZone);
  }
  if (Number.isNaN(ms)) throw new DateError(`${EXPECTED}, got ${JSON.stringify(text)} (no such day or time)`);
  return ms;
}

/**
 * A date from a URL path such as `2014/09/15/Rust-1.0` or `inside-rust/2020/01/02/x` (Zola's
 * `path`, rust-blog) or a file name such as `2025-02-12-hello.md` (Jekyll). Midnight in the site
 * zone; undefined when there is none.
 */
export function dateFromPath(path: string, timeZone: string): number | undefined {
  const match = /(?:^|\/)(\d{4})\/(\d{2})\/(\d{2})(?:\/|$)/.exec(path);
  return match ? dateOnly(match, timeZone) : undefined;
}

/** The date prefix of a file name (`2025-02-12-hello.md`), with the rest of the name. */
export function dateFromFileName(fileName: string, timeZone: string): { date: number; rest: string } | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[-_.]|$)/.exec(fileName);
  if (!match) return undefined;
  const date = dateOnly(match, timeZone);
  return date === undefined ? undefined : { date, rest: fileName.slice(match[0].length) };
}

function dateOnly(match: RegExpExecArray, timeZone: string): number | undefined {
  const ms = wallTimeIn(
    { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]), hour: 0, minute: 0, second: 0, millisecond: 0 },
    timeZone,
  );
  // Year 0000 in a zone east of UTC (or 9999 west of it) is outside what a post date can be.
  return inYears(ms) ? ms : undefined;
}

/** A calendar day as permalinks write it: four-digit year, two-digit month and day. */
export interface CalendarDate {
  year: string;
  month: string;
  day: string;
}

/** Calendar year, month and day of an instant in a zone (for permalinks such as `/:year/:month/`). */
export function calendarDate(ms: number, timeZone: string): CalendarDate {
  const wall = new Date(ms + zoneOffsets(timeZone).at(ms) * 60_000);
  return {
    year: String(wall.getUTCFullYear()).padStart(4, '0'),
    month: String(wall.getUTCMonth() + 1).padStart(2, '0'),
    day: String(wall.getUTCDate()).padStart(2, '0'),
  };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a table/mapping' : `${typeof value} ${String(value)}`;
}
