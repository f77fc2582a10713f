import { afterAll, beforeAll } from 'vitest';
import type { Redis } from 'ioredis';
import { RedisMeterBackend } from '../../src/meters/redis/redis-meter-backend.js';
import { describeMeterContract } from '../../src/extend/contract/index.js';
import { vitestApi } from '../support/contract-api.js';
import { deletePrefix, describeWithRedis, openTestClient, uniquePrefix } from './support/redis-test-server.js';

describeWithRedis('Redis meter backend', () => {
  let client: Redis;
  beforeAll(() => {
    client = openTestClient();
  });
  afterAll(async () => {
    await client.quit();
  });

  describeMeterContract(vitestApi, 'redis', async () => {
    const prefix = uniquePrefix('contract');
    return {
      backend: new RedisMeterBackend(client, { keyPrefix: prefix }),
      cleanup: () => deletePrefix(client, prefix),
    };
  });
});
