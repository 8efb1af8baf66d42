import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { DateError, calendarDate, dateFromFileName, dateFromPath, parseDate, wallTimeIn } from '../../../lib/post/dates.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const at = (value: unknown, zone: string) => iso(parseDate(value, zone));

describe('parseDate', () => {
  it('reads zone-less strings in the site zone', () => {
    expect(at('2025-02-12 21:15:03', 'Asia/Shanghai')).toBe('2025-02-12T13:15:03.000Z');
    expect(at('2025-02-12T21:15:03', 'Asia/Shanghai')).toBe('2025-02-12T13:15:03.000Z');
    expect(at('2025-02-12 21:15:03', 'UTC')).toBe('2025-02-12T21:15:03.000Z');
    expect(at('2025-02-12 21:15', 'America/New_York')).toBe('2025-02-13T02:15:00.000Z');
    expect(at('  2025-02-12T21:15:03.5 ', 'UTC')).toBe('2025-02-12T21:15:03.500Z');
  });

  it('reads a date without a time as midnight in the site zone', () => {
    expect(at('2025-02-12', 'Asia/Shanghai')).toBe('2025-02-11T16:00:00.000Z');
    expect(at('2025-02-12', 'UTC')).toBe('2025-02-12T00:00:00.000Z');
  });

  it('honours an explicit zone whatever the site zone', () => {
    for (const zone of ['UTC', 'Asia/Shanghai', 'America/Los_Angeles']) {
      expect(at('2019-06-13T15:00:00+08:00', zone)).toBe('2019-06-13T07:00:00.000Z');
      expect(at('2018-06-04T10:12:34.000Z', zone)).toBe('2018-06-04T10:12:34.000Z');
      expect(at('2025-02-12 21:15:03 -0500', zone)).toBe('2025-02-13T02:15:03.000Z');
      expect(at('2025-02-12T21:15:03+05', zone)).toBe('2025-02-12T16:15:03.000Z');
      expect(at('Wed, 12 Feb 2025 21:15:03 +0800', zone)).toBe('2025-02-12T13:15:03.000Z');
      expect(at('2025-02-12T21:15:03.123456789Z', zone)).toBe('2025-02-12T21:15:03.123Z');
    }
  });

  it('reads Date objects and every kind of TOML date', () => {
    const toml = parseToml(`
offset = 2025-02-12T21:15:03+08:00
local = 2025-02-12T21:15:03
day = 2025-02-12
time = 21:15:03
`);
    expect(at(toml.offset, 'UTC')).toBe('2025-02-12T13:15:03.000Z');
    expect(at(toml.local, 'Asia/Shanghai')).toBe('2025-02-12T13:15:03.000Z');
    expect(at(toml.local, 'UTC')).toBe('2025-02-12T21:15:03.000Z');
    expect(at(toml.day, 'Asia/Shanghai')).toBe('2025-02-11T16:00:00.000Z');
    expect(() => parseDate(toml.time, 'UTC')).toThrow(/a time of day without a date/);
    expect(at(new Date('2025-02-12T00:00:00Z'), 'Asia/Shanghai')).toBe('2025-02-12T00:00:00.000Z');
  });

  it('skips forward over a spring-forward gap', () => {
    // New York jumped from 02:00 EST to 03:00 EDT on 2021-03-14: 02:30 does not exist.
    expect(at('2021-03-14 02:30:00', 'America/New_York')).toBe('2021-03-14T07:30:00.000Z'); // 03:30 EDT
    expect(at('2021-03-14 01:59:59', 'America/New_York')).toBe('2021-03-14T06:59:59.000Z'); // EST
    expect(at('2021-03-14 03:00:00', 'America/New_York')).toBe('2021-03-14T07:00:00.000Z'); // EDT
    // Europe/Berlin, 2025-03-30 02:00 -> 03:00.
    expect(at('2025-03-30 02:15', 'Europe/Berlin')).toBe('2025-03-30T01:15:00.000Z');
  });

  it('takes the earlier instant of a repeated fall-back hour, whatever the season the build runs in', () => {
    // New York repeated 01:00-02:00 on 2021-11-07 (EDT, then EST).
    expect(at('2021-11-07 01:30:00', 'America/New_York')).toBe('2021-11-07T05:30:00.000Z');
    expect(at('2021-11-07 00:59:00', 'America/New_York')).toBe('2021-11-07T04:59:00.000Z');
    expect(at('2021-11-07 02:00:00', 'America/New_York')).toBe('2021-11-07T07:00:00.000Z');
    // Lord Howe shifts by 30 minutes: 01:30-02:00 repeats on 2025-04-06.
    expect(at('2025-04-06 01:45', 'Australia/Lord_Howe')).toBe('2025-04-05T14:45:00.000Z');
  });

  it('handles historical offsets and years before 100', () => {
    expect(at('1900-01-01 00:00', 'Asia/Shanghai')).toBe('1899-12-31T15:54:17.000Z'); // LMT +08:05:43
    // West of UTC, to the second.
    expect(at('1960-06-01', 'Africa/Monrovia')).toBe('1960-06-01T00:44:30.000Z'); // -00:44:30
    expect(at('1850-06-01', 'America/New_York')).toBe('1850-06-01T04:56:02.000Z'); // LMT -04:56:02
    expect(at('0099-06-01', 'UTC')).toBe('0099-06-01T00:00:00.000Z');
  });

  it('rejects what is not a date, saying what it got', () => {
    const cases: [unknown, RegExp][] = [
      ['yesterday', /got "yesterday"/],
      ['2025-02-30', /no such day or time/],
      ['2025-13-01 10:00', /no such day or time/],
      ['2025-02-12 24:00:00', /no such day or time/],
      ['2025-02-12T10:00:00+25:00', /bad UTC offset/],
      ['12/02/2025', /got "12\/02\/2025"/],
      [20250212, /got the number 20250212/],
      [true, /got boolean true/],
      [['2025-02-12'], /got a list/],
      [{ year: 2025 }, /got a table\/mapping/],
      [new Date(Number.NaN), /invalid date/],
      [new Date(Date.UTC(10000, 0, 1)), /outside the years 0000-9999/],
    ];
    for (const [value, message] of cases) {
      expect(() => parseDate(value, 'UTC'), String(value)).toThrow(DateError);
      expect(() => parseDate(value, 'UTC'), String(value)).toThrow(message);
    }
  });
});

describe('dates from paths and file names', () => {
  it('reads YYYY/MM/DD from a path as midnight in the site zone', () => {
    expect(iso(dateFromPath('2014/09/15/Rust-1.0', 'UTC')!)).toBe('2014-09-15T00:00:00.000Z');
    expect(iso(dateFromPath('inside-rust/2020/01/02/x', 'Asia/Shanghai')!)).toBe('2020-01-01T16:00:00.000Z');
    expect(dateFromPath('releases/1.88.0', 'UTC')).toBeUndefined();
    expect(dateFromPath('2014/13/45/x', 'UTC')).toBeUndefined();
    expect(dateFromPath('x2014/09/15/y', 'UTC')).toBeUndefined();
  });

  it('reads a Jekyll date prefix from a file name and returns the rest', () => {
    expect(dateFromFileName('2025-02-12-hello', 'UTC')).toEqual({ date: Date.UTC(2025, 1, 12), rest: 'hello' });
    expect(dateFromFileName('2025-02-12', 'UTC')).toEqual({ date: Date.UTC(2025, 1, 12), rest: '' });
    expect(dateFromFileName('20250212A0916H', 'UTC')).toBeUndefined();
    expect(dateFromFileName('2025-02-31-x', 'UTC')).toBeUndefined();
  });
});

describe('wallTimeIn and calendarDate', () => {
  it('round-trip a wall-clock day in the zone', () => {
    const ms = wallTimeIn({ year: 2024, month: 12, day: 31, hour: 23, minute: 30, second: 0, millisecond: 0 }, 'Asia/Shanghai');
    expect(iso(ms)).toBe('2024-12-31T15:30:00.000Z');
    expect(calendarDate(ms, 'Asia/Shanghai')).toEqual({ year: '2024', month: '12', day: '31' });
    expect(calendarDate(ms, 'America/New_York')).toEqual({ year: '2024', month: '12', day: '31' });
    expect(calendarDate(ms + 9 * 3_600_000, 'Asia/Shanghai')).toEqual({ year: '2025', month: '01', day: '01' });
  });
});
