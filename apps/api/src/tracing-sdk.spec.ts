import { redisStatement } from './tracing-sdk';

describe(redisStatement.name, () => {
  it('keeps a script call to its SHA and keys, never its arguments', () => {
    const args = [
      '3e3b33fa',
      3,
      'fav:{u:1}:z',
      'fav:{u:1}:h',
      'fav:{u:1}:m',
      600,
      'id',
      '{"secret":1}',
    ];
    expect(redisStatement('evalsha', args)).toBe(
      'EVALSHA 3e3b33fa 3 fav:{u:1}:z fav:{u:1}:h fav:{u:1}:m',
    );
  });

  it('never prints a script source (EVAL after a script cache miss)', () => {
    expect(redisStatement('eval', ['return redis.call(...)', 1, 'fav:{u:1}:m', 'x'])).toBe(
      'EVAL <script> 1 fav:{u:1}:m',
    );
  });

  it('keeps other commands to their key and a count of the rest', () => {
    expect(redisStatement('hset', ['fav:{u:1}:h', 'id', '{"json":true}'])).toBe(
      'HSET fav:{u:1}:h [2 more arguments]',
    );
    expect(redisStatement('hget', ['fav:{u:1}:m'])).toBe('HGET fav:{u:1}:m');
    expect(redisStatement('multi', [])).toBe('MULTI');
  });
});
