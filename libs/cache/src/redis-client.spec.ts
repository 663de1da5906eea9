import Redis, { Cluster } from 'ioredis';

import { keySlot } from './key-slot';
import { assertReady, groupByNode } from './redis-client';

/** A cluster client as ioredis holds it once connected: a slot map, no connections needed here. */
function clusterWith(owners: (slot: number) => string[], status = 'ready'): Cluster {
  const cluster = Object.create(Cluster.prototype) as Cluster;
  Object.defineProperty(cluster, 'status', { value: status });
  Object.defineProperty(cluster, 'slots', {
    value: Array.from({ length: 16384 }, (_, slot) => owners(slot)),
  });
  return cluster;
}

const keys = Array.from({ length: 40 }, (_, n) => `rl:{user-${n}}:w1`);

describe(groupByNode.name, () => {
  it('sends every key of one Redis server in one group', () => {
    const redis = Object.create(Redis.prototype) as Redis;
    expect(groupByNode(redis, keys, (key) => key)).toEqual([keys]);
    expect(groupByNode(redis, [], (key) => key)).toEqual([]);
  });

  it('groups the keys of a cluster by the node serving their slot', () => {
    // Three masters, as `redis-cli --cluster create` splits the slots.
    const owner = (slot: number) => (slot < 5461 ? 'a:1' : slot < 10923 ? 'b:2' : 'c:3');
    const groups = groupByNode(
      clusterWith((slot) => [owner(slot)]),
      keys,
      (key) => key,
    );

    expect(groups.length).toBe(3);
    expect(groups.flat().sort()).toEqual([...keys].sort());
    for (const group of groups) {
      expect(new Set(group.map((key) => owner(keySlot(key)))).size).toBe(1);
    }
  });

  it('refuses a cluster that is not connected, rather than letting a pipeline wait', () => {
    const connecting = clusterWith(() => [], 'connecting');
    expect(() => groupByNode(connecting, keys, (key) => key)).toThrow(
      'Redis Cluster is not ready (connecting)',
    );
    expect(() => assertReady(connecting)).toThrow('not ready');
    expect(() => assertReady(clusterWith(() => ['a:1']))).not.toThrow();
  });
});
