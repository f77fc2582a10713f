import { LUA_COUNTER_CELLS } from './lua-counter-cells.js';
import { LUA_PRELUDE } from './lua-prelude.js';

/**
 * Atomic settle, for a batch of entries: for each entry in order, releases its reservation (when
 * it is still held: a swept or already settled one is not released twice), then applies its usage
 * to every counter once per id: SET NX on the applied-id key decides, so a replayed or duplicated
 * entry changes nothing. The applied-id key holds the counters the usage went to: a count of the
 * same record (its 7th line names that key) skips them, and a settlement skips the counters a
 * count reached first (`applied:<id>@<counter>`, flagged by `applied:<id>@`). Finally credits or charges token rate-limit buckets with the difference
 * between actual and estimated tokens.
 *
 * Counters go through cells (lua-counter-cells.ts): each is read once and written once per batch,
 * with the same result as one HINCRBY per field per entry in order. Which reservations are still
 * held is asked once (ZMSCORE) and they are removed with one ZREM.
 *
 * KEYS: the reservations sorted set; then per entry its applied-id key, its counters, its buckets.
 * ARGV: counter key prefix, number of entries, now; then one argument per entry, its lines:
 *   reservation text ('' for none), applied-id ttl ms ('' to release only), number of counters,
 *   number of buckets, the usage as 'requests,1,input,480,...' (field and delta pairs, requests
 *   first), the reserved amounts 'cost,tokens,requests' when every reserved counter is among the
 *   entry's counters ('' to read them from the reservation text), for a count the record's
 *   applied-id key ('' for a settlement); then per counter its ttl ms and
 *   whether it holds the reservation (1 or 0); then per bucket: per-minute limit, delta.
 * Returns one reply per entry: 1 when its usage was applied now, 0 otherwise.
 */
export const COMMIT_SCRIPT = `${LUA_PRELUDE}${LUA_COUNTER_CELLS}
local counterPrefix = ARGV[1]
local count = tonumber(ARGV[2])
local now = tonumber(ARGV[3])

local entries = {}
local members, memberCount = {}, 0
for e = 1, count do
  local entry = lines(ARGV[3 + e])
  entries[e] = entry
  if entry[1] ~= '' then
    memberCount = memberCount + 1
    members[memberCount] = entry[1]
  end
end

-- Still held: in the set when the script started and not yet taken by an earlier entry (a
-- duplicated entry does not release twice). Without ZMSCORE (Redis < 6.2), one ZREM per entry.
local scores = nil
if memberCount > 0 then
  local reply = redis.pcall('ZMSCORE', KEYS[1], unpack(members))
  if type(reply) == 'table' and not reply.err then
    scores = {}
    for i = 1, memberCount do
      if reply[i] then scores[members[i]] = true end
    end
  end
end
local removed, removedCount = {}, 0
local function take(reservation)
  if not scores then return redis.call('ZREM', KEYS[1], reservation) == 1 end
  if not scores[reservation] then return false end
  scores[reservation] = nil
  removedCount = removedCount + 1
  removed[removedCount] = reservation
  return true
end

local function commitOne(entry, k)
  local reservation = entry[1]
  local ttl = entry[2]
  local counters = tonumber(entry[3])
  local buckets = tonumber(entry[4])
  local usage = entry[5]
  local amounts = entry[6]
  local settledKey = entry[7]
  local ttlBase = 7
  local rateBase = ttlBase + counters * 2
  local held = reservation ~= '' and take(reservation)
  local apply
  local countedBefore = false
  if settledKey ~= '' then
    -- A count: KEYS[k + 1] is the record's marker on its one counter; not applied when the
    -- record's settlement (its marker lists its counters) or an earlier count reached it.
    apply = false
    if ttl ~= '' and counters == 1 and redis.call('EXISTS', KEYS[k + 1]) == 0 then
      local covered = redis.call('GET', settledKey)
      if not (covered and string.find('\\n' .. covered .. '\\n', '\\n' .. KEYS[k + 2] .. '\\n', 1, true)) then
        redis.call('SET', KEYS[k + 1], '1', 'PX', ttl)
        redis.call('SET', settledKey .. '@', '1', 'PX', ttl)
        apply = true
      end
    end
  else
    local covered = {}
    for i = 1, counters do covered[i] = KEYS[k + 1 + i] end
    apply = ttl ~= '' and redis.call('SET', KEYS[k + 1], table.concat(covered, '\\n'), 'NX', 'PX', ttl)
    -- A count of this record came first (a token callback): it may hold some of these counters.
    countedBefore = apply and redis.call('EXISTS', KEYS[k + 1] .. '@') == 1
  end
  if held and not apply then releaseCells(counterPrefix, reservation) end
  if not apply then return 0 end
  -- The reservation's amounts come off in the same write as the usage, on the counters that have both.
  local releasing = {}
  local payload = nil
  if held and amounts ~= '' then
    local parts = split(amounts, 3)
    payload = {c = parts[1], t = parts[2], r = parts[3]}
    for i = 1, counters do
      if entry[ttlBase + i * 2] == '1' then releasing[KEYS[k + 1 + i]] = true end
    end
  elseif held then
    payload = cjson.decode(reservation)
    for _, key in ipairs(payload.k) do releasing[counterPrefix .. key] = true end
  end
  local names, deltas, n = {}, {}, 0
  for name, delta in string.gmatch(usage, '([^,]+),([^,]+)') do
    n = n + 1
    names[n] = name
    deltas[n] = delta
  end
  for i = 1, counters do
    local key = KEYS[k + 1 + i]
    local c = cell(key)
    if releasing[key] then
      releasing[key] = nil
      -- Below zero: the counter had expired, so there is nothing to give back.
      local gone
      if payload.r ~= '0' then
        gone = negative(bump(c, 'reservedRequests', negate(payload.r)))
        if gone then bump(c, 'reservedRequests', payload.r) end
      else
        gone = not c.exists
      end
      if not gone then
        if payload.c ~= '0' then bump(c, 'reservedCost', negate(payload.c)) end
        if payload.t ~= '0' then bump(c, 'reservedTokens', negate(payload.t)) end
      end
    end
    local skip = countedBefore and
      redis.call('EXISTS', KEYS[k + 1] .. '@' .. string.sub(key, #counterPrefix + 1)) == 1
    if not skip then
      local created = names[1] ~= 'requests'
      for f = 1, n do
        local value = bump(c, names[f], deltas[f])
        -- Requests (always first) back at its delta: the field, maybe the counter, is new. (Re)set the TTL.
        if f == 1 and tonumber(value) == tonumber(deltas[1]) then created = true end
      end
      if created then c.ttl = entry[ttlBase + i * 2 - 1] end
    end
  end
  -- Reserved on counters this usage does not touch (a limit removed, a window passed meanwhile).
  if held and amounts == '' then
    for _, key in ipairs(payload.k) do
      if releasing[counterPrefix .. key] then releaseOn(counterPrefix .. key, payload) end
    end
  end
  for j = 1, buckets do
    local key = KEYS[k + 1 + counters + j]
    local tat = tonumber(redis.call('GET', key) or '')
    if tat ~= nil then
      local perMinute = tonumber(entry[rateBase + (j - 1) * 2 + 1])
      local delta = tonumber(entry[rateBase + (j - 1) * 2 + 2])
      local adjusted = tat + delta * (60000 / perMinute)
      if adjusted > now then
        redis.call('SET', key, string.format('%.17g', adjusted), 'PX', math.ceil(adjusted - now) + 1000)
      else
        redis.call('DEL', key)
      end
    end
  end
  return 1
end

local replies = {}
-- Writes what the entries before a failing one did (as one HINCRBY at a time would have) before failing.
local ok, failure = pcall(function()
  local k = 1
  for e = 1, count do
    local entry = entries[e]
    replies[e] = commitOne(entry, k)
    k = k + 1 + tonumber(entry[3]) + tonumber(entry[4])
  end
end)
if removedCount > 0 then redis.call('ZREM', KEYS[1], unpack(removed)) end
flushCells()
if not ok then error(failure, 0) end
return replies
`;
