import { LUA_PRELUDE } from './lua-prelude.js';

/**
 * Atomic reserve, for a batch of calls (those issued in the same tick): sweeps expired
 * reservations once, then for each call in order checks every budget (used + reserved + estimate
 * <= maximum, for cost, tokens and requests) and every rate limit (GCRA), and only when all hard
 * ones pass reserves the estimate on each limited counter, records the reservation and takes the
 * rate-limit room. One script, so nothing runs between a call's check and its reserve; one script
 * per batch, so a busy process pays one command per tick rather than one per call.
 *
 * KEYS: the reservations sorted set, then per call its limited counters and its rate buckets.
 * ARGV: counter key prefix, sweep limit, number of calls, sweep time; then per call: now,
 *   reservation text ('' for none), reservation expiry, estimated cost, tokens and requests,
 *   number of limited counters, number of buckets; then per counter: ttl ms, hard cost, hard
 *   tokens, hard requests, soft cost, soft tokens, soft requests ('' when not limited); then per
 *   bucket: per-minute limit, weight.
 * Returns one reply per call: {'quota', counter index, field, used, reserved},
 *   {'rate', bucket index, retry ms}, or {'ok', then per soft alert: counter index, field, used, reserved}.
 */
export const RESERVE_SCRIPT = `${LUA_PRELUDE}
local counterPrefix = ARGV[1]
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[4], 'LIMIT', 0, tonumber(ARGV[2]))
for _, text in ipairs(expired) do
  if redis.call('ZREM', KEYS[1], text) == 1 then release(counterPrefix, text) end
end
local names = {'cost', 'tokens', 'requests'}

local function reserveOne(a, k)
  local now = tonumber(ARGV[a + 1])
  local reservation = ARGV[a + 2]
  local expiresAt = ARGV[a + 3]
  local estimate = {ARGV[a + 4], ARGV[a + 5], ARGV[a + 6]}
  local limits = tonumber(ARGV[a + 7])
  local buckets = tonumber(ARGV[a + 8])
  local limitBase = a + 8
  local rateBase = limitBase + limits * 7
  local alerts = {'ok'}
  local current = {}
  for i = 1, limits do
    local base = limitBase + (i - 1) * 7
    local values = redis.call('HMGET', KEYS[k + i], 'cost', 'total', 'requests', 'reservedCost', 'reservedTokens', 'reservedRequests')
    current[i] = values
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
  local tats = {}
  for j = 1, buckets do
    local perMinute = tonumber(ARGV[rateBase + (j - 1) * 2 + 1])
    local weight = tonumber(ARGV[rateBase + (j - 1) * 2 + 2])
    local interval = 60000 / perMinute
    local tat = tonumber(redis.call('GET', KEYS[k + limits + j]) or '')
    if tat == nil or tat < now then tat = now end
    local allowAt = tat + math.min(weight, perMinute) * interval - 60000
    if now < allowAt then return {'rate', j, math.ceil(allowAt - now)} end
    tats[j] = tat + weight * interval
  end
  for i = 1, limits do
    local key = KEYS[k + i]
    local values = current[i]
    redis.call('HSET', key,
      'reservedCost', sum(values[4], estimate[1]),
      'reservedTokens', sum(values[5], estimate[2]),
      'reservedRequests', sum(values[6], estimate[3]))
    -- A counter that has neither usage nor reservations did not exist: it gets its TTL now.
    if not values[3] and not values[6] then redis.call('PEXPIRE', key, ARGV[limitBase + (i - 1) * 7 + 1]) end
  end
  if reservation ~= '' then redis.call('ZADD', KEYS[1], expiresAt, reservation) end
  for j = 1, buckets do
    redis.call('SET', KEYS[k + limits + j], string.format('%.17g', tats[j]), 'PX', math.ceil(tats[j] - now) + 1000)
  end
  return alerts
end

local replies = {}
local a = 4
local k = 1
for p = 1, tonumber(ARGV[3]) do
  replies[p] = reserveOne(a, k)
  local limits = tonumber(ARGV[a + 7])
  local buckets = tonumber(ARGV[a + 8])
  a = a + 8 + limits * 7 + buckets * 2
  k = k + limits + buckets
end
return replies
`;
