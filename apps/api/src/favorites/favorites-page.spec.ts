import { FavoritesPage } from './favorites-page';

describe(FavoritesPage.name, () => {
  const assets = [
    { id: 'b', createdAt: 2, json: '{"id":"b","type":"insight","content":"quote \\" and é"}' },
    { id: 'a', createdAt: 1, json: '{"id":"a","type":"chart","data":[{"x":1,"y":2}]}' },
  ];

  it.each([
    new FavoritesPage(assets, 7, 1, 2, 'WzEsImEiXQ.abc'),
    new FavoritesPage(assets, 2, null, 2, null),
    new FavoritesPage([], 0, 99, 10, null),
  ])('spells its body exactly as JSON.stringify would (%#)', (page) => {
    expect(page.toBody()).toBe(JSON.stringify(page));
    expect(JSON.parse(page.toBody())).toEqual(page.toJSON());
  });

  it('parses its assets for callers that want objects', () => {
    expect(new FavoritesPage(assets, 2, 1, 2, null).data.map((a) => a.id)).toEqual(['b', 'a']);
  });
});
