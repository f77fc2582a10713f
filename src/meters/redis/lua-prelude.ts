/**
 * Helpers shared by the meter's Lua scripts.
 *
 * Lua 5.1 numbers are doubles: exact only up to 2^53, while counters are 64-bit integers (cost in
 * 10^-12 units passes 2^53 at about 9,007 currency units). So amounts are compared as two limbs of
 * base 10^9 parsed from the strings Redis returns; each limb stays far below 2^53. Increments go
 * through HINCRBY with string arguments, which Redis adds as exact 64-bit integers.
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
