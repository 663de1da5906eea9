import { validateEnvironment } from './environment';
import { parseCorsOrigins, parseTrustProxy } from './http-trust';

describe(parseTrustProxy.name, () => {
  it.each([
    ['', false],
    ['false', false],
    ['FALSE', false],
    ['true', true],
    ['1', 1],
    ['2', 2],
    ['loopback', ['loopback']],
    ['10.0.0.0/8, 192.168.1.7', ['10.0.0.0/8', '192.168.1.7']],
    ['::1,fd00::/8', ['::1', 'fd00::/8']],
  ])('reads %j as %j', (raw, expected) => {
    expect(parseTrustProxy(raw)).toEqual(expected);
  });

  it.each([
    '0',
    '11',
    'yes',
    '10.0.0.0/33',
    'fd00::/129',
    '10.0.0.300',
    'proxy.internal',
    '1.2.3.4/8/1',
  ])('refuses %j', (raw) => {
    expect(parseTrustProxy(raw)).toBeUndefined();
  });
});

describe(parseCorsOrigins.name, () => {
  it('reads a comma-separated list of origins, empty for none', () => {
    expect(parseCorsOrigins('')).toEqual([]);
    expect(parseCorsOrigins('https://app.example.com, http://localhost:3000')).toEqual([
      'https://app.example.com',
      'http://localhost:3000',
    ]);
  });

  it.each(['*', 'app.example.com', 'https://app.example.com/path', 'ftp://files.example.com'])(
    'refuses %j, which is not an origin',
    (raw) => {
      expect(parseCorsOrigins(raw)).toBeUndefined();
    },
  );
});

describe('TRUST_PROXY and CORS_ORIGINS in the environment', () => {
  it('default to no trusted proxy and no CORS', () => {
    expect(validateEnvironment({})).toMatchObject({ TRUST_PROXY: 'false', CORS_ORIGINS: '' });
  });

  it('stop the boot when malformed', () => {
    expect(() => validateEnvironment({ TRUST_PROXY: 'everyone' })).toThrow('TRUST_PROXY');
    expect(() => validateEnvironment({ CORS_ORIGINS: '*' })).toThrow('CORS_ORIGINS');
  });
});
