import { pingRedis } from '../support/redis-process';

export interface TestRedis {
  source: 'TEST_REDIS_URL' | 'testcontainers';
  url: string;
  stop(): Promise<void>;
}

async function containerRedis(): Promise<TestRedis | string> {
  try {
    const { GenericContainer } = await import('testcontainers');
    const container = await new GenericContainer('redis:7-alpine').withExposedPorts(6379).start();
    return {
      source: 'testcontainers',
      url: `redis://${container.getHost()}:${container.getMappedPort(6379)}`,
      stop: async () => {
        await container.stop();
      },
    };
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * TEST_REDIS_URL, else testcontainers where a Docker engine answers, else (never on CI) none: the
 * service then uses its in-process cache. Test users are fresh UUIDs, so their keys cannot meet
 * another run's, and the tests' short cache TTL lets them expire.
 */
export async function provisionTestRedis(env: NodeJS.ProcessEnv): Promise<TestRedis | undefined> {
  if (env.TEST_REDIS_URL) {
    await pingRedis(env.TEST_REDIS_URL);
    return { source: 'TEST_REDIS_URL', url: env.TEST_REDIS_URL, stop: () => Promise.resolve() };
  }
  const container = await containerRedis();
  if (typeof container !== 'string') return container;
  if (env.CI === 'true') {
    throw new Error(
      'CI=true and no Redis for the tests: set TEST_REDIS_URL or provide a Docker engine for ' +
        `testcontainers (testcontainers said: ${container}). A missing Redis fails CI, never skips it.`,
    );
  }
  return undefined;
}
