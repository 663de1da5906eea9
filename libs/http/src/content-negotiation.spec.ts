import { negotiateMediaType } from './content-negotiation';

describe(negotiateMediaType.name, () => {
  const offered = ['application/json', 'application/x-ndjson'] as const;

  it.each<[string | undefined, string]>([
    [undefined, 'application/json'],
    ['', 'application/json'],
    ['*/*', 'application/json'],
    ['application/json', 'application/json'],
    ['application/x-ndjson', 'application/x-ndjson'],
    ['Application/X-NDJSON; charset=utf-8', 'application/x-ndjson'],
    ['application/json;q=0.5, application/x-ndjson', 'application/x-ndjson'],
    ['application/x-ndjson;q=0.4, application/json;q=0.9', 'application/json'],
    ['application/*', 'application/json'],
    ['application/x-ndjson;q=0, */*', 'application/json'],
    ['text/html', 'application/json'],
    ['application/x-ndjson;q=abc', 'application/json'],
  ])('answers Accept %p with %s', (accept, expected) => {
    expect(negotiateMediaType(accept, offered)).toBe(expected);
  });

  it('answers a header seen before the same way, and per offered list', () => {
    const ndjsonFirst = ['application/x-ndjson', 'application/json'] as const;
    const accept = 'application/json, application/x-ndjson';
    for (let i = 0; i < 3; i++) {
      expect(negotiateMediaType(accept, offered)).toBe('application/json');
      expect(negotiateMediaType(accept, ndjsonFirst)).toBe('application/x-ndjson');
    }
  });

  it('keeps answering right past the number of headers it remembers', () => {
    for (let i = 0; i < 300; i++) {
      const json = `application/json;q=0.${(i % 9) + 1}`;
      expect(negotiateMediaType(`${json}, application/x-ndjson;q=0.05`, offered)).toBe(
        'application/json',
      );
      expect(negotiateMediaType(`${json}, application/x-ndjson`, offered)).toBe(
        'application/x-ndjson',
      );
    }
  });
});
