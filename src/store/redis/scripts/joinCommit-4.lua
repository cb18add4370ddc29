-- Commits one AND-join step, compare-and-set on the partition's version, once per
-- occurrence (the marker). Evicts the least recently updated partitions beyond
-- the cap.
--
-- KEYS[1] join:<trigger>  KEYS[2] joinlru:<trigger>  KEYS[3] jmark:<trigger>|<occurrence>  KEYS[4] triggers
-- ARGV[1] key base  [2] trigger id  [3] partition  [4] expected version  [5] new state JSON ("" deletes
-- the partition)  [6] step JSON for the marker  [7] marker TTL ms  [8] partitions kept at most
-- Returns {"ok", evicted state JSON...} | {"replayed", step JSON} | {"conflict"} | {"gone"}
if redis.call('HEXISTS', KEYS[4], ARGV[2]) == 0 then return {'gone'} end
local marker = redis.call('GET', KEYS[3])
if marker then return {'replayed', marker} end
local current = redis.call('HGET', KEYS[1], ARGV[3])
local version = 0
if current then version = tonumber(string.match(current, '^(%d+)|')) end
if version ~= tonumber(ARGV[4]) then return {'conflict'} end
if ARGV[5] == '' then
  redis.call('HDEL', KEYS[1], ARGV[3])
  redis.call('ZREM', KEYS[2], ARGV[3])
else
  redis.call('HSET', KEYS[1], ARGV[3], (version + 1) .. '|' .. ARGV[5])
  redis.call('ZADD', KEYS[2], redis.call('INCR', ARGV[1] .. 'seq'), ARGV[3])
end
redis.call('SET', KEYS[3], ARGV[6], 'PX', ARGV[7])
local out = {'ok'}
local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[8])
if excess > 0 then
  local oldest = redis.call('ZPOPMIN', KEYS[2], excess)
  for i = 1, #oldest, 2 do
    local state = redis.call('HGET', KEYS[1], oldest[i])
    redis.call('HDEL', KEYS[1], oldest[i])
    if state then out[#out + 1] = string.sub(state, string.find(state, '|', 1, true) + 1) end
  end
end
return out
