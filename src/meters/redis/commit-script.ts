import { LUA_PRELUDE } from './lua-prelude.js';

/**
 * Atomic settle: releases the reservation (when it is still held: a swept or already settled one
 * is not released twice), then applies the usage to every counter once per id: SET NX on the
 * applied-id key decides, so a replayed or duplicated commit changes nothing. Finally credits or
 * charges token rate-limit buckets with the difference between actual and estimated tokens.
 *
 * KEYS: reservations sorted set, applied-id key, the counters, then the rate-limit buckets.
 * ARGV: now, counter key prefix, reservation text ('' for none), applied-id ttl ms ('' to release
 *   only), number of counters, number of usage fields, number of buckets; then field name and
 *   delta pairs; then per counter its ttl ms; then per bucket: per-minute limit, delta.
 * Returns 1 when the usage was applied now, 0 otherwise.
 */
export const COMMIT_SCRIPT = `${LUA_PRELUDE}
local now = tonumber(ARGV[1])
local reservation = ARGV[3]
if reservation ~= '' and redis.call('ZREM', KEYS[1], reservation) == 1 then release(ARGV[2], reservation) end
if ARGV[4] == '' then return 0 end
if not redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[4]) then return 0 end
local counters = tonumber(ARGV[5])
local fields = tonumber(ARGV[6])
local buckets = tonumber(ARGV[7])
local ttlBase = 7 + fields * 2
for i = 1, counters do
  local key = KEYS[2 + i]
  -- Usage always counts one request, listed first: a count back at 1 means the field (and maybe
  -- the whole counter) was just created, and only then is the TTL (re)set.
  local created = ARGV[8] ~= 'requests'
  for f = 1, fields do
    local value = redis.call('HINCRBY', key, ARGV[6 + f * 2], ARGV[7 + f * 2])
    if f == 1 and value == tonumber(ARGV[9]) then created = true end
  end
  if created then redis.call('PEXPIRE', key, ARGV[ttlBase + i]) end
end
local rateBase = ttlBase + counters
for j = 1, buckets do
  local key = KEYS[2 + counters + j]
  local tat = tonumber(redis.call('GET', key) or '')
  if tat ~= nil then
    local perMinute = tonumber(ARGV[rateBase + (j - 1) * 2 + 1])
    local delta = tonumber(ARGV[rateBase + (j - 1) * 2 + 2])
    local adjusted = tat + delta * (60000 / perMinute)
    if adjusted > now then
      redis.call('SET', key, string.format('%.17g', adjusted), 'PX', math.ceil(adjusted - now) + 1000)
    else
      redis.call('DEL', key)
    end
  end
end
return 1
`;
