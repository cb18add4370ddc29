--- @include "base"
-- Releases the assignments of workers whose lease ended before now (100 workers per
-- call) and forgets their connection: one that is still open becomes current again
-- when it next renews (renewWorkerLease). A re-run (see scripts.ts) finds those
-- workers gone; its reply (for a log line) lists only what it released itself.
--
-- KEYS[1] workers (lease deadlines)  KEYS[2] sessions
-- ARGV[1] key base  [2] now
-- Returns the released invocation ids.
local P = ARGV[1]
local released = {}
for _, worker in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2], 'LIMIT', 0, 100)) do
  local held = P .. 'worker:' .. worker
  for _, asg in ipairs(redis.call('SMEMBERS', held)) do
    local invId = releaseAssignment(P, asg, worker, ARGV[2])
    if invId then released[#released + 1] = invId end
  end
  redis.call('DEL', held)
  redis.call('ZREM', KEYS[1], worker)
  redis.call('HDEL', KEYS[2], worker)
  redis.call('HDEL', P .. 'workerinfo', worker)
end
return released
