/**
 * The part of a Redis client the meter uses. An ioredis `Redis` instance fits as is; another
 * client fits through a small adapter. The meter never imports ioredis for a client it is given.
 */
export interface RedisLike {
  evalsha(sha1: string, numberOfKeys: number, ...args: Array<string | number>): Promise<unknown>;
  eval(script: string, numberOfKeys: number, ...args: Array<string | number>): Promise<unknown>;
  pipeline(): RedisPipelineLike;
  quit(): Promise<unknown>;
  /** Drops the connection at once and stops reconnecting (ioredis): used when `quit` cannot be sent. */
  disconnect?(): void;
}

/** A pipeline (used to read counters): commands queued, sent by `exec`, one `[error, result]` each. */
export interface RedisPipelineLike {
  hgetall(key: string): unknown;
  exec(): Promise<Array<[Error | null, unknown]> | null>;
}
