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
});
