/**
 * Atomic settle of a batch in the usual case, with the work per entry the slow script does in
 * Lua (parsing its lines, adding each field to each counter) done by the process beforehand:
 * every entry is new (its applied-id key is absent), its reservation is still held, every counter
 * holds enough reserved requests for all the batch's releases (none had expired), and every value
 * is small enough to add exactly as a double. Then applying the batch one entry at a time, as
 * COMMIT_SCRIPT does, gives the same counters as adding the process's per-counter sums once. When
 * any of that does not hold the script changes nothing and returns 0: the process sends the batch
 * to COMMIT_SCRIPT, which decides entry by entry. Lua is interpreted and each redis.call crosses a
 * bridge; per entry this leaves one SET.
 *
 * KEYS: the reservations sorted set; the entries' applied-id keys; the distinct counters.
 * ARGV: number of entries, of reservations, of counters; applied-id ttl ms; the reservation texts;
 *   per counter its lines: ttl ms of the first entry on it, reserved requests released from it,
 *   and the deltas as 'requests,8,input,3840,...,reservedCost,-9600000000,...' (each below 10^15);
 *   per entry the counter keys it reached, newline-separated (its applied-id key's value, which a
 *   count of the same record reads). An entry whose record was counted first (`applied:<id>@`
 *   exists) is left to COMMIT_SCRIPT.
 * Returns 1 when every entry was applied, 0 when nothing was done, 2 when nothing was done because
 * this Redis has no ZMSCORE (older than 6.2): the process then sends every batch to COMMIT_SCRIPT.
 */
export const COMMIT_FAST_SCRIPT = `
local n = tonumber(ARGV[1])
local h = tonumber(ARGV[2])
local m = tonumber(ARGV[3])
if h > 0 then
  local scores = redis.pcall('ZMSCORE', KEYS[1], unpack(ARGV, 5, 4 + h))
  -- Redis < 6.2 has no ZMSCORE: the slow script does without (2: do not send this script again).
  if type(scores) ~= 'table' or scores.err then return 2 end
  for i = 1, h do
    if not scores[i] then return 0 end
  end
end
if redis.call('EXISTS', unpack(KEYS, 2, 1 + n)) ~= 0 then return 0 end
-- A record a token callback counted first: the full script skips the counters it reached.
local counted = {}
for i = 1, n do counted[i] = KEYS[1 + i] .. '@' end
if redis.call('EXISTS', unpack(counted)) ~= 0 then return 0 end
local writes = {}
for j = 1, m do
  local spec = ARGV[4 + h + j]
  local first = string.find(spec, '\\n', 1, true)
  local second = string.find(spec, '\\n', first + 1, true)
  local flat = redis.call('HGETALL', KEYS[1 + n + j])
  local values = {}
  for i = 1, #flat, 2 do values[flat[i]] = flat[i + 1] end
  -- Fewer reserved requests than released: a counter expired meanwhile (the slow script skips its release).
  local held = values.reservedRequests or '0'
  if #held > 15 or tonumber(held) < tonumber(string.sub(spec, first + 1, second - 1)) then return 0 end
  local args, a = {}, 0
  for field, delta in string.gmatch(string.sub(spec, second + 1), '([^,]+),([^,]+)') do
    local current = values[field] or '0'
    if #current > 15 then return 0 end
    local value = tonumber(current) + tonumber(delta)
    args[a + 1] = field
    args[a + 2] = value == 0 and '0' or string.format('%.0f', value)
    a = a + 2
  end
  -- No requests yet: the first entry creates the counter (or its field), and sets its TTL.
  local requests = values.requests
  writes[j] = {args, (not requests or tonumber(requests) == 0) and string.sub(spec, 1, first - 1)}
end
local ttl = ARGV[4]
for i = 1, n do redis.call('SET', KEYS[1 + i], ARGV[4 + h + m + i], 'PX', ttl) end
if h > 0 then redis.call('ZREM', KEYS[1], unpack(ARGV, 5, 4 + h)) end
for j = 1, m do
  local key = KEYS[1 + n + j]
  redis.call('HSET', key, unpack(writes[j][1]))
  if writes[j][2] then redis.call('PEXPIRE', key, writes[j][2]) end
end
return 1
`;
