/**
 * Lua helpers for scripts that touch the same counters many times in one batch (128 settlements
 * of 16 users touch each counter 8 times): a counter's hash is read once, changed in a Lua table,
 * and written back once at the end (one HSET per counter, one PEXPIRE when it was created), rather
 * than one HINCRBY per field per entry. Each redis.call costs a few microseconds beyond the
 * command itself, which was most of a settlement's Redis time.
 *
 * Needs LUA_PRELUDE first (`sum`, `negate`, `decimal`). Writes are deferred, so nothing else in the script may
 * write a cell's key directly; it must go through `bump` (the scripts release reservations through
 * `releaseOn` for that reason). A script runs atomically with Redis's clock frozen, so a counter
 * that exists when first read exists until the end.
 *
 * Values stay doubles while exact (below 8*10^15, and deltas below 10^15: sums stay under 2^53),
 * else decimal strings added by the prelude's exact `sum` (which fails past 64 bits as HINCRBY does).
 */
export const LUA_COUNTER_CELLS = `
local cells = {}
local cellOrder = {}
local function cell(key)
  local c = cells[key]
  if c then return c end
  local flat = redis.call('HGETALL', key)
  local values = {}
  for i = 1, #flat, 2 do values[flat[i]] = flat[i + 1] end
  c = {values = values, exists = #flat > 0, dirty = {}, ttl = nil}
  cells[key] = c
  cellOrder[#cellOrder + 1] = key
  return c
end
-- HINCRBY on the cell: returns the new value (a double while exact, else a decimal string).
local function bump(c, field, delta)
  local current = c.values[field] or 0
  if type(current) == 'string' and #current < 16 then current = tonumber(current) end
  local value
  if type(current) == 'number' and current < 8e15 and current > -8e15 and #delta < 16 then
    value = current + tonumber(delta)
  else
    if type(current) == 'number' then current = string.format('%.0f', current) end
    value = sum(current, delta)
  end
  c.values[field] = value
  c.dirty[field] = true
  c.exists = true
  return value
end
local function negative(value)
  if type(value) == 'number' then return value < 0 end
  return string.sub(value, 1, 1) == '-'
end
-- The prelude's release for one counter, on its cell: gives back what a reservation held, when the counter exists.
local function releaseOn(key, payload)
  local c = cell(key)
  if not c.exists then return end
  if payload.c ~= '0' then bump(c, 'reservedCost', negate(payload.c)) end
  if payload.t ~= '0' then bump(c, 'reservedTokens', negate(payload.t)) end
  if payload.r ~= '0' then bump(c, 'reservedRequests', negate(payload.r)) end
end
local function releaseCells(counterPrefix, text)
  local ok, payload = pcall(cjson.decode, text)
  if not ok or type(payload) ~= 'table' or type(payload.k) ~= 'table' then return end
  for _, key in ipairs(payload.k) do releaseOn(counterPrefix .. key, payload) end
end
-- Writes every changed cell back: one HSET of its changed fields, then its TTL when it was (re)created.
local function flushCells()
  for _, key in ipairs(cellOrder) do
    local c = cells[key]
    local args, n = {}, 0
    for field in pairs(c.dirty) do
      args[n + 1] = field
      args[n + 2] = decimal(c.values[field])
      n = n + 2
    end
    if n > 0 then redis.call('HSET', key, unpack(args)) end
    if c.ttl then redis.call('PEXPIRE', key, c.ttl) end
  end
end
`;
