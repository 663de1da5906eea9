import fc from 'fast-check';

import type { FavoriteRecord } from './favorites.repository';
import { assetJson, toAsset } from './to-asset';

/** What the API answered before assetJson: the Asset object as JSON.stringify spells it. */
function stringified(record: FavoriteRecord): string {
  return JSON.stringify({
    id: record.id,
    type: record.type,
    name: record.name,
    description: record.description,
    ...record.payload,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  });
}

const date = fc.date({
  min: new Date('1900-01-01'),
  max: new Date('2200-01-01'),
  noInvalidDate: true,
});

/** Any JSON object, as PostgreSQL's JSONB gives it back through JSON.parse. */
const payload = fc
  .dictionary(
    fc.oneof(
      fc.string(),
      fc.constantFrom('id', 'type', 'name', 'description', 'createdAt', 'updatedAt', '0', '12'),
    ),
    fc.jsonValue(),
  )
  .map((value) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>);

const record = fc.record({
  id: fc.string(),
  type: fc.constantFrom('chart', 'insight', 'audience'),
  name: fc.string(),
  description: fc.string(),
  payload,
  version: fc.nat(),
  createdAt: date,
  updatedAt: fc.oneof(date, fc.constant(undefined)),
});

describe(assetJson.name, () => {
  it('spells any record byte for byte as JSON.stringify(toAsset(record))', () => {
    fc.assert(
      fc.property(record, ({ updatedAt, ...fields }) => {
        const favorite: FavoriteRecord = { ...fields, updatedAt: updatedAt ?? fields.createdAt };
        expect(assetJson(favorite)).toBe(stringified(favorite));
        expect(assetJson(favorite)).toBe(JSON.stringify(toAsset(favorite)));
      }),
      { numRuns: 5_000 },
    );
  });

  it.each([
    ['a chart', { title: 'Users', data: [{ x: 'Jan', y: 1 }] }],
    ['no fields of its own', {}],
    ['a key an index', { '7': 'seventh', title: 'x' }],
    ['a key a common field', { title: 'x', id: 'other', createdAt: 'then' }],
    ['a key "__proto__"', JSON.parse('{"__proto__": {"polluted": true}, "title": "x"}')],
    ['unicode to escape', { text: 'quote " \\ \u2028 \ud800 é' }],
  ])('spells a payload with %s as toAsset does', (_what, fields: Record<string, unknown>) => {
    const favorite = {
      id: 'asset-1',
      type: 'chart',
      name: 'n "quoted"',
      description: '',
      payload: fields,
      version: 1,
      createdAt: new Date('2025-01-01T00:00:00.001Z'),
      updatedAt: new Date('2026-12-06T20:00:00Z'),
    } as FavoriteRecord;
    expect(assetJson(favorite)).toBe(stringified(favorite));
  });
});
