/**
 * The part of a Redis client the meter uses. An ioredis `Redis` instance fits as is; another
 * client fits through a small adapter. The meter never imports ioredis for a client it is given.
 */
export interface RedisLike {
  evalsha(sha1: string, numberOfKeys: number, ...args: Array<string | number>): Promise<unknown>;
  eval(script: string, numberOfKeys: number, ...args: Array<string | number>): Promise<unknown>;
  pipeline(): RedisPipelineLike;
  quit(): Promise<unknown>;
}

/** A pipeline: commands queued, sent together by `exec`, one `[error, result]` per command. */
export interface RedisPipelineLike {
  evalsha(sha1: string, numberOfKeys: number, ...args: Array<string | number>): unknown;
  eval(script: string, numberOfKeys: number, ...args: Array<string | number>): unknown;
  hgetall(key: string): unknown;
  exec(): Promise<Array<[Error | null, unknown]> | null>;
}
