import { subscribeToRedis } from '../../libs/cache/src';
import { freePort } from '../support/free-port';
import { redisCli, RedisCluster } from '../support/redis-cluster';
import { missingTools } from '../support/tools';

const MISSING = missingTools('the Redis Cluster pub/sub suite', {
  'redis-server': { command: 'redis-server', args: ['-v'] },
  'redis-cli': { command: 'redis-cli', args: ['-v'] },
});
const describeCluster = MISSING.length === 0 ? describe : describe.skip;

const CHANNEL = 'favorites:test:revoked';

describeCluster('Pub/sub on a Redis Cluster (e2e, a private three-master cluster)', () => {
  let cluster: RedisCluster;

  beforeAll(async () => {
    cluster = await RedisCluster.start(3);
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('moves past an unreachable seed node and hears a PUBLISH sent to any other node', async () => {
    const dead = await freePort();
    const messages: string[] = [];
    let subscribed = 0;
    const subscription = subscribeToRedis(
      {
        kind: 'cluster',
        nodes: [
          { host: '127.0.0.1', port: dead },
          { host: '127.0.0.1', port: cluster.ports[1] },
        ],
        tls: false,
      },
      CHANNEL,
      { message: (message) => messages.push(message), subscribed: () => subscribed++ },
    );
    try {
      const deadline = Date.now() + 10_000;
      while (subscribed === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(subscribed).toBe(1);
      // The subscription sits on the second seed; the message goes in through the third node.
      for (let attempt = 0; attempt < 20 && messages.length === 0; attempt++) {
        await redisCli(cluster.ports[2], 'PUBLISH', CHANNEL, 's1,s2');
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(messages[0]).toBe('s1,s2');
    } finally {
      subscription.close();
    }
  });
});
