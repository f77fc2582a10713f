import { createHash } from 'node:crypto';
import type { RedisLike, RedisPipelineLike } from './redis-like.js';

/** A Lua script sent by its SHA1 (EVALSHA), and in full only when Redis does not know it yet. */
export class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** Runs once; after a Redis restart (scripts are not persisted) falls back to EVAL, which caches it again. */
  async run(client: RedisLike, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return client.eval(this.source, keys.length, ...keys, ...args);
    }
  }

  /** Runs many calls in one pipeline (one round trip); calls that met NOSCRIPT are sent again with EVAL. */
  async runMany(
    client: RedisLike,
    calls: ReadonlyArray<{ keys: readonly string[]; args: ReadonlyArray<string | number> }>,
  ): Promise<unknown[]> {
    const results = await execPipeline(client, calls, (pipeline, call) =>
      pipeline.evalsha(this.sha, call.keys.length, ...call.keys, ...call.args),
    );
    const missing = results.flatMap(([error], index) => (error && isNoScript(error) ? [index] : []));
    if (missing.length > 0) {
      const retried = await execPipeline(
        client,
        missing.map((index) => calls[index]!),
        (pipeline, call) => pipeline.eval(this.source, call.keys.length, ...call.keys, ...call.args),
      );
      missing.forEach((index, position) => (results[index] = retried[position]!));
    }
    return results.map(([error, value]) => {
      if (error) throw error;
      return value;
    });
  }
}

async function execPipeline<C>(
  client: RedisLike,
  calls: readonly C[],
  add: (pipeline: RedisPipelineLike, call: C) => unknown,
): Promise<Array<[Error | null, unknown]>> {
  const pipeline = client.pipeline();
  for (const call of calls) add(pipeline, call);
  const results = await pipeline.exec();
  if (!results || results.length !== calls.length) throw new Error('Redis pipeline returned no results');
  return results;
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
