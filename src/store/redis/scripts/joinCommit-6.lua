-- Commits one AND-join step, compare-and-set on the partition's version, once per
-- occurrence (the marker, which keeps the step's outcome, not the state), while the
-- trigger exists and is not paused. Then holds the trigger to its cap of waiting
-- entries over all partitions: the oldest go first (the partition whose first entry
-- is oldest loses that entry). A re-run (see scripts.ts) finds the marker and answers
-- "replayed".
--
-- A partition is "version|lines": one line per entry, "<firstAt> <entry JSON>",
-- oldest first (JSON text holds no raw newline).
--
-- KEYS[1] join:<trigger>  KEYS[2] joinage:<trigger>  KEYS[3] joinn:<trigger>
-- KEYS[4] jmark:<trigger>|<occurrence>  KEYS[5] triggers  KEYS[6] paused
-- ARGV[1] key base  [2] trigger id  [3] partition  [4] expected version
-- ARGV[5] the partition's new lines ("" deletes the partition)  [6] its first entry's firstAt
-- ARGV[7] entries the partition held at that version  [8] entries it holds now
-- ARGV[9] marker JSON  [10] marker TTL ms  [11] entries the trigger keeps at most
-- Returns {"ok", evicted entry line...} | {"replayed", marker JSON} | {"conflict"} | {"deleted"} | {"paused"}
local marker = redis.call('GET', KEYS[4])
if marker then return {'replayed', marker} end
if redis.call('HEXISTS', KEYS[5], ARGV[2]) == 0 then return {'deleted'} end
if redis.call('HEXISTS', KEYS[6], ARGV[2]) == 1 then return {'paused'} end
local current = redis.call('HGET', KEYS[1], ARGV[3])
local version = 0
if current then version = tonumber(string.match(current, '^(%d+)|')) end
if version ~= tonumber(ARGV[4]) then return {'conflict'} end
if ARGV[5] == '' then
  redis.call('HDEL', KEYS[1], ARGV[3])
  redis.call('ZREM', KEYS[2], ARGV[3])
else
  redis.call('HSET', KEYS[1], ARGV[3], (version + 1) .. '|' .. ARGV[5])
  redis.call('ZADD', KEYS[2], ARGV[6], ARGV[3])
end
redis.call('SET', KEYS[4], ARGV[9], 'PX', ARGV[10])

local total = tonumber(redis.call('GET', KEYS[3]) or '0') - tonumber(ARGV[7]) + tonumber(ARGV[8])
local cap = tonumber(ARGV[11])
local out = {'ok'}
while total > cap do
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
  if not oldest then total = 0; break end -- the count drifted (state written before it existed)
  local stored = redis.call('HGET', KEYS[1], oldest)
  if not stored then
    redis.call('ZREM', KEYS[2], oldest)
  else
    local bar = string.find(stored, '|', 1, true)
    local v = tonumber(string.sub(stored, 1, bar - 1))
    local lines = string.sub(stored, bar + 1)
    local newline = string.find(lines, '\n', 1, true)
    if newline then
      out[#out + 1] = string.sub(lines, 1, newline - 1)
      local rest = string.sub(lines, newline + 1)
      redis.call('HSET', KEYS[1], oldest, (v + 1) .. '|' .. rest)
      redis.call('ZADD', KEYS[2], string.match(rest, '^(%S+) '), oldest)
    else
      out[#out + 1] = lines
      redis.call('HDEL', KEYS[1], oldest)
      redis.call('ZREM', KEYS[2], oldest)
    end
    total = total - 1
  end
end
if total > 0 then redis.call('SET', KEYS[3], total) else redis.call('DEL', KEYS[3]) end
return out
