--- @include "base"
-- A worker's connection ended: puts the worker's assignments back in their queues
-- (REGISTERED) and forgets its lease and connection, if the connection ARGV[3] is
-- still the worker's current one; otherwise a newer connection (on this replica or
-- another) holds them now and nothing changes. With ARGV[5] = "1", only the
-- listed assignments that the worker still holds, and the lease stays. The waiting
-- assignments (held for a slot, never started) go back without counting a loss.
-- A re-run (see scripts.ts) finds the connection forgotten or the listed assignments
-- gone (a new assignment has a new id) and releases nothing.
--
-- KEYS[1] worker:<id>  KEYS[2] workers (lease deadlines)  KEYS[3] sessions
-- ARGV[1] key base  [2] worker id  [3] session id of the ended connection  [4] now
-- ARGV[5] "1" for only the listed  [6] n waiting  [7 .. 6+n] waiting assignment ids
-- [7+n ..] the listed assignment ids
-- Returns the released invocation ids.
local P = ARGV[1]
local released = {}
local waiting = {}
local n = tonumber(ARGV[6])
for i = 7, 6 + n do waiting[ARGV[i]] = true end
local function release(list)
  for _, asg in ipairs(list) do
    local invId = releaseAssignment(P, asg, ARGV[2], ARGV[4], waiting[asg])
    if invId then released[#released + 1] = invId end
  end
end
if ARGV[5] == '1' then
  local list = {}
  for i = 7 + n, #ARGV do list[#list + 1] = ARGV[i] end
  release(list)
  return released
end
if redis.call('HGET', KEYS[3], ARGV[2]) ~= ARGV[3] then return released end
release(redis.call('SMEMBERS', KEYS[1]))
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('HDEL', KEYS[3], ARGV[2])
redis.call('HDEL', P .. 'workerinfo', ARGV[2])
return released
