import { Cluster, Redis } from 'ioredis';
import { bullConnection, closeBullConnection, createRedisClient, queuePrefix } from './redis-connection';

const ONE_REDIS = { redisUrl: 'redis://:s%40cret@10.0.0.5:6380/2', redisClusterNodes: null };
const CLUSTER = { redisUrl: 'rediss://app:s%40cret@ignored:1', redisClusterNodes: [{ host: 'redis-0', port: 7000 }] };

describe('Redis connections', () => {
  it('keeps QUEUE_PREFIX on one Redis, and gives each queue a hash tag of its own on a cluster', () => {
    expect(queuePrefix({ queuePrefix: 'huigong', redisClusterNodes: null }, 'domain-events')).toBe('huigong');
    expect(queuePrefix({ queuePrefix: 'huigong', redisClusterNodes: CLUSTER.redisClusterNodes }, 'domain-events')).toBe('{huigong:domain-events}');
    expect(queuePrefix({ queuePrefix: 'huigong', redisClusterNodes: CLUSTER.redisClusterNodes }, 'deliveries')).toBe('{huigong:deliveries}');
    // A prefix that holds its own tag keeps every queue in that one slot, as its operator chose.
    expect(queuePrefix({ queuePrefix: '{huigong}', redisClusterNodes: CLUSTER.redisClusterNodes }, 'deliveries')).toBe('{huigong}');
  });

  it('gives BullMQ options for one Redis, and a cluster client with the URL credentials and TLS on every node', async () => {
    expect(bullConnection(ONE_REDIS, 'producer')).toMatchObject({ host: '10.0.0.5', port: 6380, password: 's@cret', db: 2, enableOfflineQueue: false });

    const cluster = bullConnection({ ...CLUSTER }, 'worker');
    expect(cluster).toBeInstanceOf(Cluster);
    const options = (cluster as Cluster).options;
    expect(options.redisOptions).toMatchObject({ username: 'app', password: 's@cret', tls: {}, maxRetriesPerRequest: null, protocol: 2 });
    expect(options.scaleReads).toBe('master');
    await closeBullConnection(cluster);

    const client = createRedisClient(ONE_REDIS, 'worker', { lazyConnect: true });
    expect(client).toBeInstanceOf(Redis);
    client.disconnect();
  });
});
