import { validateEnvironment } from './environment';

const SECRET = 's'.repeat(32);

describe(validateEnvironment.name, () => {
  it('fills in defaults for an empty environment', () => {
    const env = validateEnvironment({});

    expect(env).toMatchObject({
      APP_ENV: 'development',
      PORT: 8080,
      BCRYPT_COST: 12,
      AUTH_VERIFIED_TOKENS: 10_000,
      DATABASE_RUN_MIGRATIONS: true,
    });
    expect(env.JWT_SECRET).toBeUndefined();
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it('turns numeric and boolean strings into values', () => {
    const env = validateEnvironment({
      PORT: '3000',
      BCRYPT_COST: '10',
      DATABASE_RUN_MIGRATIONS: 'false',
    });

    expect(env).toMatchObject({ PORT: 3000, BCRYPT_COST: 10, DATABASE_RUN_MIGRATIONS: false });
  });

  describe('JWT_SECRET', () => {
    it.each(['production', 'staging', 'test'])('is required when APP_ENV is %s', (appEnv) => {
      expect(() => validateEnvironment({ APP_ENV: appEnv })).toThrow(
        `JWT_SECRET: required when APP_ENV is ${appEnv}`,
      );
      expect(() => validateEnvironment({ APP_ENV: appEnv, JWT_SECRET: '' })).toThrow(
        'JWT_SECRET: required',
      );
      expect(validateEnvironment({ APP_ENV: appEnv, JWT_SECRET: SECRET }).JWT_SECRET).toBe(SECRET);
    });

    it.each(['local', 'development'])('is optional when APP_ENV is %s', (appEnv) => {
      expect(validateEnvironment({ APP_ENV: appEnv }).JWT_SECRET).toBeUndefined();
    });

    it('is refused below 32 bytes, even where it is optional', () => {
      expect(() =>
        validateEnvironment({ APP_ENV: 'development', JWT_SECRET: 's'.repeat(31) }),
      ).toThrow('JWT_SECRET: must be at least 32 bytes, got 31');
    });

    it('is measured in UTF-8 bytes, not characters', () => {
      const twoByteChars = 'é'.repeat(16);
      expect(twoByteChars).toHaveLength(16);

      expect(
        validateEnvironment({ APP_ENV: 'production', JWT_SECRET: twoByteChars }).JWT_SECRET,
      ).toBe(twoByteChars);
      expect(() =>
        validateEnvironment({ APP_ENV: 'production', JWT_SECRET: 'é'.repeat(15) + 'e' }),
      ).toThrow('got 31');
    });
  });

  it.each(['9', '16', 'twelve'])('refuses BCRYPT_COST %p', (cost) => {
    expect(() => validateEnvironment({ BCRYPT_COST: cost })).toThrow('BCRYPT_COST');
  });

  it.each(['-1', '1.5', 'many', '1000001'])('refuses AUTH_VERIFIED_TOKENS %p', (size) => {
    expect(() => validateEnvironment({ AUTH_VERIFIED_TOKENS: size })).toThrow(
      'AUTH_VERIFIED_TOKENS',
    );
  });

  describe('load shedding limits', () => {
    it('defaults to 64 requests in flight and 500 ms of event-loop delay', () => {
      expect(validateEnvironment({})).toMatchObject({
        LOAD_SHEDDING_MAX_IN_FLIGHT: 64,
        LOAD_SHEDDING_LOOP_DELAY_MS: 500,
      });
    });

    it('takes 0 as off', () => {
      expect(
        validateEnvironment({ LOAD_SHEDDING_MAX_IN_FLIGHT: '0', LOAD_SHEDDING_LOOP_DELAY_MS: '0' }),
      ).toMatchObject({ LOAD_SHEDDING_MAX_IN_FLIGHT: 0, LOAD_SHEDDING_LOOP_DELAY_MS: 0 });
    });

    it.each([
      ['LOAD_SHEDDING_MAX_IN_FLIGHT', '-1'],
      ['LOAD_SHEDDING_MAX_IN_FLIGHT', 'many'],
      ['LOAD_SHEDDING_LOOP_DELAY_MS', '0.5'],
      ['LOAD_SHEDDING_LOOP_DELAY_MS', '60001'],
    ])('refuses %s=%p', (name, value) => {
      expect(() => validateEnvironment({ [name]: value })).toThrow(name);
    });
  });

  it('gives access tokens 15 minutes, refresh tokens 30 days, trusted sessions 30 s', () => {
    expect(validateEnvironment({})).toMatchObject({
      JWT_EXPIRES_IN_SECONDS: 900,
      REFRESH_EXPIRES_IN_SECONDS: 30 * 24 * 3600,
      AUTH_SESSION_CACHE_SECONDS: 30,
    });
  });

  it.each(['299', '31536001', 'month'])('refuses REFRESH_EXPIRES_IN_SECONDS %p', (value) => {
    expect(() => validateEnvironment({ REFRESH_EXPIRES_IN_SECONDS: value })).toThrow(
      'REFRESH_EXPIRES_IN_SECONDS',
    );
  });

  it.each(['-1', '301', '1.5'])('refuses AUTH_SESSION_CACHE_SECONDS %p', (value) => {
    expect(() => validateEnvironment({ AUTH_SESSION_CACHE_SECONDS: value })).toThrow(
      'AUTH_SESSION_CACHE_SECONDS',
    );
  });

  it.each(['abc', '80.5', '-1', '65536', ''])('refuses PORT %p', (port) => {
    expect(() => validateEnvironment({ PORT: port })).toThrow('PORT');
  });

  it('refuses an unknown APP_ENV', () => {
    expect(() => validateEnvironment({ APP_ENV: 'prod', JWT_SECRET: SECRET })).toThrow('APP_ENV');
  });

  describe('DATABASE_URL', () => {
    it.each(['postgres://app:pw@localhost:5432/favorites', 'postgresql://db/favorites'])(
      'accepts %s',
      (url) => {
        expect(validateEnvironment({ DATABASE_URL: url }).DATABASE_URL).toBe(url);
      },
    );

    it.each([
      'mysql://app:pw@localhost/favorites',
      'http://db/favorites',
      'not a url',
      'localhost:5432',
      'db:5432/favorites',
      'favorites',
    ])('refuses %s', (url) => {
      expect(() => validateEnvironment({ DATABASE_URL: url })).toThrow('DATABASE_URL');
    });

    it('treats an empty value as absent (embedded database)', () => {
      expect(validateEnvironment({ DATABASE_URL: '' }).DATABASE_URL).toBeUndefined();
    });
  });
});
