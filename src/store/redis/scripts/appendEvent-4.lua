--- @include "base"
-- Stores an event and logs its occurrence, unless its idempotency key names an
-- event that still exists. Drops events past the retention (ten per call at most).
-- A re-run of this very call (the event ARGV[2] exists: its id is new for every call;
-- see scripts.ts) answers as the first run did and changes nothing.
--
-- KEYS[1] evt:<id>  KEYS[2] evtkey:<key> (ignored when ARGV[8] is "0")  KEYS[3] evts  KEYS[4] evts:code:<code>
-- ARGV[1] key base  [2] id  [3] code  [4] event JSON  [5] payload JSON  [6] emitted at (ms)
-- ARGV[7] order score (emission time in ms; ties order by id)  [8] idempotency TTL ms ("0": no key)  [9] idempotency key or ""
-- ARGV[10] events kept at most  [11] scores below this are past the retention period
-- ARGV[12] the replica's consumer for the occurrence ("" none: see takeLogged)  [13] traceparent or ""
-- Returns {1, id, the log entries handed to ARGV[12]} when stored, {0, first id} for a
-- repeated idempotency key.
local P = ARGV[1]
if redis.call('EXISTS', KEYS[1]) == 1 then return {1, ARGV[2], {}} end
if ARGV[8] ~= '0' then
  local first = redis.call('GET', KEYS[2])
  if first and redis.call('EXISTS', P .. 'evt:' .. first) == 1 then return {0, first} end
  redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[8])
end
redis.call('HSET', KEYS[1], 'json', ARGV[4], 'code', ARGV[3], 'key', ARGV[9])
redis.call('ZADD', KEYS[3], ARGV[7], ARGV[2])
redis.call('ZADD', KEYS[4], ARGV[7], ARGV[2])
local entry = {'k', 'e', 'id', ARGV[2], 'at', ARGV[6], 'code', ARGV[3], 'payload', ARGV[5]}
if ARGV[13] ~= '' then
  entry[#entry + 1] = 'tp'
  entry[#entry + 1] = ARGV[13]
end
logOccurrence(P, entry)
for _, old in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[11], 'LIMIT', 0, 10)) do
  dropEvent(P, old)
end
local excess = redis.call('ZCARD', KEYS[3]) - tonumber(ARGV[10])
if excess > 0 then
  local oldest = redis.call('ZRANGE', KEYS[3], 0, math.min(excess, 10) - 1)
  for _, old in ipairs(oldest) do dropEvent(P, old) end
end
return {1, ARGV[2], takeLogged(P, ARGV[12])}
