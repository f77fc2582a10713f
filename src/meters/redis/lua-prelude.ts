/**
 * Helpers shared by the meter's Lua scripts.
 *
 * Lua 5.1 numbers are doubles: exact only up to 2^53, while counters are 64-bit integers (cost in
 * 10^-12 units passes 2^53 at about 9,007 currency units). Amounts below 10^15 are added and
 * compared as doubles (exact there); larger ones as two limbs of base 10^9 parsed from the
 * strings Redis returns, each far below 2^53. Sums are written back as decimal strings with one
 * HSET per counter (rather than one HINCRBY per field), bounded to the signed 64-bit range as
 * HINCRBY would be.
 */
export const LUA_PRELUDE = `
local LIMB = 1000000000
local function big(text)
  if not text or text == '' then return {0, 0} end
  local negative = string.sub(text, 1, 1) == '-'
  if negative then text = string.sub(text, 2) end
  local length = string.len(text)
  local high, low = 0, 0
  if length > 9 then
    low = tonumber(string.sub(text, length - 8))
    high = tonumber(string.sub(text, 1, length - 9))
  else
    low = tonumber(text)
  end
  if negative then
    if low == 0 then return {-high, 0} end
    return {-high - 1, LIMB - low}
  end
  return {high, low}
end
local function add(a, b)
  local low = a[2] + b[2]
  local high = a[1] + b[1]
  if low >= LIMB then low = low - LIMB; high = high + 1 end
  return {high, low}
end
local function greater(a, b)
  return a[1] > b[1] or (a[1] == b[1] and a[2] > b[2])
end
-- used + held + estimate > maximum, exactly. Below 10^15 each (three sum to under 2^53) plain
-- doubles are exact and much cheaper than limbs: the common case for budgets under 1,000 units.
local function exceeds(used, held, estimate, maximum)
  used = used or '0'
  held = held or '0'
  if #used < 16 and #held < 16 and #estimate < 16 and #maximum < 16 then
    return tonumber(used) + tonumber(held) + tonumber(estimate) > tonumber(maximum)
  end
  return greater(add(add(big(used), big(held)), big(estimate)), big(maximum))
end
local function negate(text)
  if string.sub(text, 1, 1) == '-' then return string.sub(text, 2) end
  return '-' .. text
end
local function text(a)
  local high, low = a[1], a[2]
  if high < 0 then
    if low == 0 then return '-' .. text({-high, 0}) end
    return '-' .. text({-high - 1, LIMB - low})
  end
  if high == 0 then return string.format('%d', low) end
  return string.format('%d%09d', high, low)
end
-- current + delta as a decimal string, exactly; current may be false (an absent field).
local function sum(current, delta)
  current = current or '0'
  if #current < 16 and #delta < 16 then
    local value = tonumber(current) + tonumber(delta)
    if value == 0 then return '0' end
    return string.format('%.0f', value)
  end
  local result = add(big(current), big(delta))
  if result[1] > 9223372036 or (result[1] == 9223372036 and result[2] > 854775807) or result[1] < -9223372037 then
    error('llm-ledger meter: counter would overflow 64 bits')
  end
  return text(result)
end
-- An amount held as a double (exact below 2^53) or as decimal text, as decimal text.
local function decimal(value)
  if type(value) ~= 'number' then return value end
  if value == 0 then return '0' end
  return string.format('%.0f', value)
end
-- Splits 'a,b,,c' into its fields (empty ones kept as '').
local function split(text, count)
  local fields = {}
  local start = 1
  for i = 1, count do
    local stop = string.find(text, ',', start, true) or (#text + 1)
    fields[i] = string.sub(text, start, stop - 1)
    start = stop + 1
  end
  return fields
end
-- The lines of a call's packed arguments (one ARGV per call keeps the command small to encode).
local function lines(text)
  local out = {}
  local start = 1
  while true do
    local stop = string.find(text, '\\n', start, true)
    if not stop then
      out[#out + 1] = string.sub(text, start)
      return out
    end
    out[#out + 1] = string.sub(text, start, stop - 1)
    start = stop + 1
  end
end
-- Gives back what a reservation held, on each of its counters that still exists.
local function release(counterPrefix, text)
  local ok, payload = pcall(cjson.decode, text)
  if not ok or type(payload) ~= 'table' or type(payload.k) ~= 'table' then return end
  for _, key in ipairs(payload.k) do
    local full = counterPrefix .. key
    if redis.call('EXISTS', full) == 1 then
      if payload.c ~= '0' then redis.call('HINCRBY', full, 'reservedCost', negate(payload.c)) end
      if payload.t ~= '0' then redis.call('HINCRBY', full, 'reservedTokens', negate(payload.t)) end
      if payload.r ~= '0' then redis.call('HINCRBY', full, 'reservedRequests', negate(payload.r)) end
    end
  end
end
`;
