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
 * ARGV: counter key prefix, sweep limit, number of calls, now, reservation lifetime ms; then one
 *   argument per call, its lines: reservation text ('' for none), estimated cost, estimated
 *   tokens, number of limited counters, number of buckets; then per counter: ttl ms and its maxima
 *   as 'hardCost,hardTokens,hardRequests,softCost,softTokens,softRequests' (empty when not
 *   limited); then per bucket: per-minute limit, weight. Every call reserves one request.
 * Returns one reply per call: {'quota', counter index, field, used, reserved},
 *   {'rate', bucket index, retry ms}, 1 for reserved, or {'ok', then per soft alert: counter
 *   index, field, used, reserved} for reserved with alerts.
 */
export const RESERVE_SCRIPT = `${LUA_PRELUDE}
local counterPrefix = ARGV[1]
local now = tonumber(ARGV[4])
local expiresAt = now + tonumber(ARGV[5])
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[4], 'LIMIT', 0, tonumber(ARGV[2]))
for _, text in ipairs(expired) do
  if redis.call('ZREM', KEYS[1], text) == 1 then release(counterPrefix, text) end
end
local names = {'cost', 'tokens', 'requests'}
-- Calls under the same budgets carry the same maxima text: parse each once per batch.
local maximaOf = {}
local function maxima(text)
  local parsed = maximaOf[text]
  if not parsed then
    parsed = split(text, 6)
    maximaOf[text] = parsed
  end
  return parsed
end

local function reserveOne(call, k)
  local reservation = call[1]
  local estimate = {call[2], call[3], '1'}
  local limits = tonumber(call[4])
  local buckets = tonumber(call[5])
  local limitBase = 5
  local rateBase = limitBase + limits * 2
  local alerts = nil
  local current = {}
  for i = 1, limits do
    local limit = maxima(call[limitBase + i * 2])
    local values = redis.call('HMGET', KEYS[k + i], 'cost', 'total', 'requests', 'reservedCost', 'reservedTokens', 'reservedRequests')
    current[i] = values
    for f = 1, 3 do
      local hard = limit[f]
      local soft = limit[f + 3]
      if hard ~= '' or soft ~= '' then
        local used = values[f] or '0'
        local held = values[f + 3] or '0'
        if hard ~= '' and exceeds(used, held, estimate[f], hard) then
          return {'quota', i, names[f], used, held}
        end
        if soft ~= '' and exceeds(used, held, estimate[f], soft) then
          alerts = alerts or {'ok'}
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
    local perMinute = tonumber(call[rateBase + (j - 1) * 2 + 1])
    local weight = tonumber(call[rateBase + (j - 1) * 2 + 2])
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
      'reservedRequests', sum(values[6], '1'))
    -- A counter that has neither usage nor reservations did not exist: it gets its TTL now.
    if not values[3] and not values[6] then redis.call('PEXPIRE', key, call[limitBase + i * 2 - 1]) end
  end
  if reservation ~= '' then redis.call('ZADD', KEYS[1], expiresAt, reservation) end
  for j = 1, buckets do
    redis.call('SET', KEYS[k + limits + j], string.format('%.17g', tats[j]), 'PX', math.ceil(tats[j] - now) + 1000)
  end
  return alerts or 1
end

local replies = {}
local k = 1
for p = 1, tonumber(ARGV[3]) do
  local call = lines(ARGV[5 + p])
  replies[p] = reserveOne(call, k)
  k = k + tonumber(call[4]) + tonumber(call[5])
end
return replies
`;
