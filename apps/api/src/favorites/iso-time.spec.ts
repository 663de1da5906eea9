import fc from 'fast-check';

import { isoTime } from './iso-time';

/** Every millisecond from -271821-04-20 to +275760-09-13: the whole range of a JavaScript Date. */
const MAX_TIME = 8.64e15;

describe(isoTime.name, () => {
  it('spells any date as toISOString does', () => {
    fc.assert(
      fc.property(fc.integer({ min: -MAX_TIME, max: MAX_TIME }), (ms) => {
        const date = new Date(ms);
        expect(isoTime(date)).toBe(date.toISOString());
      }),
      { numRuns: 20_000 },
    );
  });

  it('spells the years 1000-9999 as toISOString does, where it does the work itself', () => {
    const from = Date.UTC(1000, 0, 1);
    const to = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
    fc.assert(
      fc.property(fc.integer({ min: from, max: to }), (ms) => {
        const date = new Date(ms);
        expect(isoTime(date)).toBe(date.toISOString());
      }),
      { numRuns: 20_000 },
    );
  });

  it.each([
    '1000-01-01T00:00:00.000Z',
    '1970-01-01T00:00:00.000Z',
    '1969-12-31T23:59:59.999Z',
    '2000-02-29T12:34:56.789Z',
    '2024-02-29T23:59:59.999Z',
    '2100-02-28T23:59:59.999Z',
    '2100-03-01T00:00:00.000Z',
    '9999-12-31T23:59:59.999Z',
    '0999-12-31T23:59:59.999Z',
    '+010000-01-01T00:00:00.000Z',
  ])('spells %s at the edges of months, leap years and its own range', (iso) => {
    expect(isoTime(new Date(iso))).toBe(iso);
  });

  it('throws on an invalid date, as toISOString does', () => {
    expect(() => isoTime(new Date(Number.NaN))).toThrow(RangeError);
  });
});
