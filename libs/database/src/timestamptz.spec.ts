import fc from 'fast-check';
import * as pg from 'pg';

import { parseTimestamptz, PG_TYPES } from './timestamptz';

const driverParser = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ, 'text') as (
  text: string,
) => unknown;

/** What PostgreSQL sends for a timestamptz in a session at UTC (DateStyle ISO). */
function postgresText(ms: number, micros: number, fractionDigits: number): string {
  const iso = new Date(ms).toISOString();
  const millis = String(((ms % 1000) + 1000) % 1000).padStart(3, '0');
  const fraction = `${millis}${String(micros).padStart(3, '0')}`
    .slice(0, fractionDigits)
    .replace(/0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction ? `.${fraction}` : ''}+00`;
}

/** The same instant or the same non-Date answer (null, ±Infinity) as the driver. */
function expectSameAsDriver(text: string): void {
  const ours = parseTimestamptz(text);
  const driver = driverParser(text);
  if (driver instanceof Date) {
    expect(ours).toBeInstanceOf(Date);
    expect((ours as Date).getTime()).toBe(driver.getTime());
  } else {
    expect(ours).toBe(driver);
  }
}

describe(parseTimestamptz.name, () => {
  it('gives the driver’s instant for any UTC timestamp, to the millisecond', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(100, 0, 1), max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }),
        fc.integer({ min: 0, max: 999 }),
        fc.integer({ min: 0, max: 6 }),
        (ms, micros, digits) => expectSameAsDriver(postgresText(ms, micros, digits)),
      ),
      { numRuns: 20_000 },
    );
  });

  it.each([
    '2025-01-01 00:01:40+00',
    '2025-01-01 00:01:40.1+00',
    '2025-01-01 00:01:40.123456+00',
    '2025-01-01 00:01:40.029500+00',
    '2000-02-29 23:59:59.999999+00',
    '1970-01-01 00:00:00+00',
    '1969-12-31 23:59:59.999+00',
    // Left to the driver:
    '0099-12-31 23:59:59+00',
    '0001-01-01 00:00:00+00 BC',
    '10000-01-01 00:00:00+00',
    '2025-01-01 00:01:40+05:30',
    '2025-01-01 02:01:40.5-02',
    'infinity',
    '-infinity',
    '2025-0a-01 00:01:40+00',
  ])('parses %s as the driver does', (text) => expectSameAsDriver(text));
});

describe('PG_TYPES', () => {
  it('is the driver’s own parser for every other type and for binary', () => {
    const { builtins } = pg.types;
    for (const oid of [builtins.INT4, builtins.JSONB, builtins.TIMESTAMP, builtins.DATE]) {
      expect(PG_TYPES.getTypeParser(oid, 'text')).toBe(pg.types.getTypeParser(oid, 'text'));
    }
    expect(PG_TYPES.getTypeParser(builtins.TIMESTAMPTZ, 'text')).toBe(parseTimestamptz);
    expect(PG_TYPES.getTypeParser(builtins.TIMESTAMPTZ, 'binary')).toBe(
      pg.types.getTypeParser(builtins.TIMESTAMPTZ, 'binary'),
    );
  });
});
