--- @include "base"
--- @include "once"
-- A worker connected (first time, or again after its stream broke, to this replica or
-- another): its connection ARGV[3] becomes the current one, its lease runs until
-- ARGV[4], the assignments it still runs (listed from ARGV[6]) stay assigned to it,
-- and the rest it holds go back to their queues (they were sent on a connection that
-- is gone). Claims for any older connection get nothing from now on, and that
-- connection's releaseWorker changes nothing. A re-run (see includes/once.lua) changes
-- nothing: by then a newer connection of the worker may hold its work.
--
-- It also records what the worker said of itself (workerinfo; see WorkStore.liveWorkers).
--
-- KEYS[1] worker:<id>  KEYS[2] workers (lease deadlines)  KEYS[3] sessions
-- ARGV[1] key base  [2] worker id  [3] session id  [4] lease deadline  [5] now
-- ARGV[6] its profile as JSON (app, tasks, concurrency, SDK), or "" for none
-- ARGV[7..] assignment ids the worker still runs, then the request id
-- Returns the released invocation ids.
local P = ARGV[1]
return once(P, function()
  redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[2])
  if ARGV[6] ~= '' then redis.call('HSET', P .. 'workerinfo', ARGV[2], ARGV[6]) end
  local keep = {}
  for i = 7, #ARGV - 1 do keep[ARGV[i]] = true end
  local released = {}
  for _, asg in ipairs(redis.call('SMEMBERS', KEYS[1])) do
    if not keep[asg] then
      local invId = releaseAssignment(P, asg, ARGV[2], ARGV[5])
      if invId then released[#released + 1] = invId end
      redis.call('SREM', KEYS[1], asg)
    end
  end
  return released
end)
