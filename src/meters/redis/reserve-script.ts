import { LUA_PRELUDE } from './lua-prelude.js';

/**
 * Atomic reserve, for a batch of calls (those issued in the same tick): sweeps expired
 * reservations once, then for each call in order checks every budget (used + reserved + estimate
 * <= maximum, for cost, tokens and requests) and every rate limit (GCRA), and only when all hard
 * ones pass reserves the estimate on each limited counter, records the reservation and takes the
 * rate-limit room. One script, so nothing runs between a call's check and its reserve; one script
 * per batch, so a busy process pays one command per tick rather than one per call.
 *
 * Each counter is read once per batch (HMGET) and written once at its end (HSET, and PEXPIRE for a
 * new one), with all the batch's reservations in one ZADD: each redis.call costs a few
 * microseconds beyond the command. Later calls in the batch check against the values the earlier
 * ones left, so the outcome is the one the calls would have had one by one.
 *
 * KEYS: the reservations sorted set, then per call its limited counters and its rate buckets.
 * ARGV: counter key prefix, sweep limit, number of calls, now, reservation lifetime ms; then two
 *   arguments per call: its reservation text ('' for none), and its lines: estimated cost, estimated
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
-- Amounts as doubles while below 10^15 (fewer than 16 characters, as the prelude's exceeds): three
-- such add up exactly, with no string formatting per call; larger ones stay decimal text.
local function num(text)
  if #text < 16 then return tonumber(text) end
  return text
end
local function over(used, held, estimate, maximum)
  if type(used) == 'number' and type(held) == 'number' and type(estimate) == 'number' and type(maximum) == 'number' then
    return used + held + estimate > maximum
  end
  return exceeds(decimal(used), decimal(held), decimal(estimate), decimal(maximum))
end
local function plus(a, b)
  if type(a) == 'number' and type(b) == 'number' then
    local value = a + b
    if value < 1e15 and value > -1e15 then return value end
    return decimal(value)
  end
  local value = sum(decimal(a), decimal(b))
  return num(value)
end
-- Calls under the same budgets carry the same maxima text: parse each once per batch.
local maximaOf = {}
local function maxima(text)
  local parsed = maximaOf[text]
  if not parsed then
    parsed = split(text, 6)
    for f = 1, 6 do parsed[f] = parsed[f] ~= '' and num(parsed[f]) end
    maximaOf[text] = parsed
  end
  return parsed
end

-- Counters read once per batch; later calls see the reservations of earlier ones.
local counters, counterOrder = {}, {}
local function counter(key)
  local c = counters[key]
  if not c then
    local values = redis.call('HMGET', key, 'cost', 'total', 'requests', 'reservedCost', 'reservedTokens', 'reservedRequests')
    for f = 1, 6 do values[f] = values[f] and num(values[f]) end
    c = {values = values}
    counters[key] = c
    counterOrder[#counterOrder + 1] = key
  end
  return c
end
local members, memberCount = {}, 0
-- Per call scratch, reused across calls.
local current, heldCost, heldTokens, heldRequests, created = {}, {}, {}, {}, {}

local function reserveOne(reservation, estimate, limits, buckets, fields, k)
  local rateBase = limits * 2
  local alerts = nil
  for i = 1, limits do
    local limit = maxima(fields[i * 2])
    local values = counter(KEYS[k + i]).values
    current[i] = values
    for f = 1, 3 do
      local hard = limit[f]
      local soft = limit[f + 3]
      if hard or soft then
        local used = values[f] or 0
        local held = values[f + 3] or 0
        if hard and over(used, held, estimate[f], hard) then
          return {'quota', i, names[f], decimal(used), decimal(held)}
        end
        if soft and over(used, held, estimate[f], soft) then
          alerts = alerts or {'ok'}
          table.insert(alerts, i)
          table.insert(alerts, names[f])
          table.insert(alerts, decimal(used))
          table.insert(alerts, decimal(held))
        end
      end
    end
  end
  local tats = {}
  for j = 1, buckets do
    local perMinute = tonumber(fields[rateBase + (j - 1) * 2 + 1])
    local weight = tonumber(fields[rateBase + (j - 1) * 2 + 2])
    local interval = 60000 / perMinute
    local tat = tonumber(redis.call('GET', KEYS[k + limits + j]) or '')
    if tat == nil or tat < now then tat = now end
    local allowAt = tat + math.min(weight, perMinute) * interval - 60000
    if now < allowAt then return {'rate', j, math.ceil(allowAt - now)} end
    tats[j] = tat + weight * interval
  end
  -- Sums from the values checked (a counter listed twice reserves once, as with one HMGET and one
  -- HSET per limit), stored limit by limit (an overflow leaves the earlier limits reserved, as then).
  for i = 1, limits do
    local values = current[i]
    -- A counter that has neither usage nor reservations did not exist: it gets its TTL.
    created[i] = not values[3] and not values[6]
    heldCost[i], heldTokens[i], heldRequests[i] = values[4] or 0, values[5] or 0, values[6] or 0
  end
  for i = 1, limits do
    local cost = plus(heldCost[i], estimate[1])
    local tokens = plus(heldTokens[i], estimate[2])
    local requests = plus(heldRequests[i], 1)
    local values = current[i]
    values[4], values[5], values[6] = cost, tokens, requests
    local c = counters[KEYS[k + i]]
    c.dirty = true
    if created[i] then c.ttl = fields[i * 2 - 1] end
  end
  if reservation ~= '' then
    memberCount = memberCount + 1
    members[memberCount] = reservation
  end
  for j = 1, buckets do
    redis.call('SET', KEYS[k + limits + j], string.format('%.17g', tats[j]), 'PX', math.ceil(tats[j] - now) + 1000)
  end
  return alerts or 1
end

local replies = {}
-- Writes what the calls before a failing one reserved (as they would have one by one) before failing.
local ok, failure = pcall(function()
  local k = 1
  -- Calls with the same estimate on the same counters (same subject, same tick) carry the same
  -- lines: parse each text once per batch. One pattern match for the fixed lines: far fewer Lua
  -- steps than splitting line by line.
  local parsedOf = {}
  for p = 1, tonumber(ARGV[3]) do
    local text = ARGV[5 + p * 2]
    local call = parsedOf[text]
    if not call then
      local cost, tokens, limits, buckets, rest = string.match(text, '^([^\\n]*)\\n([^\\n]*)\\n([^\\n]*)\\n([^\\n]*)\\n?(.*)$')
      call = {{num(cost), num(tokens), 1}, tonumber(limits), tonumber(buckets), rest == '' and {} or lines(rest)}
      parsedOf[text] = call
    end
    replies[p] = reserveOne(ARGV[4 + p * 2], call[1], call[2], call[3], call[4], k)
    k = k + call[2] + call[3]
  end
end)
for _, key in ipairs(counterOrder) do
  local c = counters[key]
  if c.dirty then
    local values = c.values
    redis.call('HSET', key, 'reservedCost', decimal(values[4]), 'reservedTokens', decimal(values[5]), 'reservedRequests', decimal(values[6]))
    if c.ttl then redis.call('PEXPIRE', key, c.ttl) end
  end
end
if memberCount > 0 then
  local args = {}
  for i = 1, memberCount do
    args[i * 2 - 1] = expiresAt
    args[i * 2] = members[i]
  end
  redis.call('ZADD', KEYS[1], unpack(args))
end
if not ok then error(failure, 0) end
return replies
`;
