import { LUA_PRELUDE } from './lua-prelude.js';

/**
 * Atomic reserve: sweeps expired reservations, checks every budget (used + reserved + estimate
 * <= maximum, for cost, tokens and requests) and every rate limit (GCRA), and only when all hard
 * ones pass reserves the estimate on each limited counter, records the reservation and takes the
 * rate-limit room. One script, so no other client can act between the check and the reserve.
 *
 * KEYS: reservations sorted set, then the limited counters, then the rate-limit buckets.
 * ARGV: now, counter key prefix, sweep limit, reservation text ('' for none), reservation expiry,
 *   estimated cost, tokens and requests, number of limited counters, number of buckets; then per
 *   counter: ttl ms, hard cost, hard tokens, hard requests, soft cost, soft tokens, soft requests
 *   ('' when not limited); then per bucket: per-minute limit, weight.
 * Returns {'quota', counter index, field, used, reserved}, {'rate', bucket index, retry ms}, or
 *   {'ok', then per soft alert: counter index, field, used, reserved}.
 */
export const RESERVE_SCRIPT = `${LUA_PRELUDE}
local now = tonumber(ARGV[1])
local counterPrefix = ARGV[2]
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, text in ipairs(expired) do
  if redis.call('ZREM', KEYS[1], text) == 1 then release(counterPrefix, text) end
end
local reservation = ARGV[4]
local estimate = {ARGV[6], ARGV[7], ARGV[8]}
local limits = tonumber(ARGV[9])
local buckets = tonumber(ARGV[10])
local names = {'cost', 'tokens', 'requests'}
local usedFields = {'cost', 'total', 'requests'}
local reservedFields = {'reservedCost', 'reservedTokens', 'reservedRequests'}
local alerts = {'ok'}
for i = 1, limits do
  local key = KEYS[1 + i]
  local base = 10 + (i - 1) * 7
  local values = redis.call('HMGET', key, 'cost', 'total', 'requests', 'reservedCost', 'reservedTokens', 'reservedRequests')
  for f = 1, 3 do
    local hard = ARGV[base + 1 + f]
    local soft = ARGV[base + 4 + f]
    if hard ~= '' or soft ~= '' then
      local used = values[f] or '0'
      local held = values[f + 3] or '0'
      if hard ~= '' and exceeds(used, held, estimate[f], hard) then
        return {'quota', i, names[f], used, held}
      end
      if soft ~= '' and exceeds(used, held, estimate[f], soft) then
        table.insert(alerts, i)
        table.insert(alerts, names[f])
        table.insert(alerts, used)
        table.insert(alerts, held)
      end
    end
  end
end
local rateBase = 10 + limits * 7
local tats = {}
for j = 1, buckets do
  local perMinute = tonumber(ARGV[rateBase + (j - 1) * 2 + 1])
  local weight = tonumber(ARGV[rateBase + (j - 1) * 2 + 2])
  local interval = 60000 / perMinute
  local tat = tonumber(redis.call('GET', KEYS[1 + limits + j]) or '')
  if tat == nil or tat < now then tat = now end
  local allowAt = tat + math.min(weight, perMinute) * interval - 60000
  if now < allowAt then return {'rate', j, math.ceil(allowAt - now)} end
  tats[j] = tat + weight * interval
end
for i = 1, limits do
  local key = KEYS[1 + i]
  -- The request count is always reserved (1): it is back at 1 only when no other call of this
  -- counter is running, which includes a counter just created. Only then is its TTL (re)set.
  if redis.call('HINCRBY', key, 'reservedRequests', estimate[3]) == tonumber(estimate[3]) then
    redis.call('PEXPIRE', key, ARGV[10 + (i - 1) * 7 + 1])
  end
  for f = 1, 2 do
    if estimate[f] ~= '0' then redis.call('HINCRBY', key, reservedFields[f], estimate[f]) end
  end
end
if reservation ~= '' then redis.call('ZADD', KEYS[1], ARGV[5], reservation) end
for j = 1, buckets do
  redis.call('SET', KEYS[1 + limits + j], string.format('%.17g', tats[j]), 'PX', math.ceil(tats[j] - now) + 1000)
end
return alerts
`;
