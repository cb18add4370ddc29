--- @include "base"
-- Queues the RETRY invocations whose backoff ended (1000 per call). Each is taken
-- out of the delayed set here, so concurrent replicas (or a re-run; see scripts.ts)
-- never queue one twice.
--
-- KEYS[1] delayed
-- ARGV[1] key base  [2] now
-- Returns how many were queued.
local P = ARGV[1]
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, 1000)
local queued = 0
for _, invId in ipairs(due) do
  redis.call('ZREM', KEYS[1], invId)
  local f = redis.call('HMGET', P .. 'inv:' .. invId, 'status', 'task')
  if f[1] == 'RETRY' then
    enqueue(P, f[2], invId)
    queued = queued + 1
  end
end
return queued
