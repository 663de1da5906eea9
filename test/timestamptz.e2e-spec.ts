import { Client } from 'pg';

import { PG_TYPES } from '../libs/database/src/timestamptz';

/**
 * The pool's timestamptz parser against the driver's, on what PostgreSQL itself sends: every
 * fraction length, leap days, the edges of its fast path, in the session's time zone and in
 * another one (which it leaves to the driver).
 */
describe('timestamptz parsing (PostgreSQL)', () => {
  const SAMPLES = `
    SELECT ts FROM (
      SELECT timestamptz '2025-01-01 00:00:00+00'
             + (g::bigint * 483061) * interval '1 second'
             + (g::bigint * 104729 % 1000000) * interval '1 microsecond' AS ts
        FROM generate_series(-40000, 40000) AS g
      UNION ALL SELECT unnest(ARRAY[
        '2000-02-29 23:59:59.999999+00', '1970-01-01 00:00:00+00', '0100-01-01 00:00:00+00',
        '0099-12-31 23:59:59.5+00', '9999-12-31 23:59:59.999999+00', 'infinity', '-infinity',
        '0044-03-15 12:00:00+00 BC', '2026-12-06 20:47:49.322416+00'
      ]::timestamptz[])
    ) samples ORDER BY ts`;

  async function instants(timeZone: string, types?: typeof PG_TYPES): Promise<unknown[]> {
    const client = new Client({ connectionString: process.env.DATABASE_URL, types });
    await client.connect();
    try {
      await client.query(`SET TimeZone = '${timeZone}'`);
      const { rows } = await client.query<{ ts: unknown }>(SAMPLES);
      return rows.map(({ ts }) => (ts instanceof Date ? ts.getTime() : ts));
    } finally {
      await client.end();
    }
  }

  it.each(['UTC', 'Asia/Kolkata'])(
    'gives the driver’s instants in a session at %s',
    async (zone) => {
      const driver = await instants(zone);
      expect(driver).toHaveLength(80_010);
      const ours = await instants(zone, PG_TYPES);
      const differing = driver.flatMap((instant, row) =>
        Object.is(ours[row], instant) ? [] : [{ row, driver: instant, ours: ours[row] }],
      );
      expect(differing.slice(0, 5)).toEqual([]);
    },
  );
});
