--- @include "base"
-- Assigns up to ARGV[3] queued invocations of the given tasks to a worker: each
-- becomes PENDING under a new assignment id "<invocation>/<version>/<task>".
-- Entries are removed from the queue stream as they are read; stale entries
-- (invocations no longer REGISTERED or RETRY) are dropped.
--
-- KEYS[1] worker:<id>   assignments the worker holds
-- KEYS[2] queues        task ids whose queue stream exists
-- ARGV[1] key base  [2] worker id  [3] max  [4] now  [5] n = number of tasks
-- ARGV[6 .. 5+n] task ids, in the order to try them
-- ARGV[6+n .. 5+2n] "1" when PENDING is watched for the task at the same position
-- Returns a flat list: assignment id, invocation id, task id, arguments JSON, attempt, ...
local P = ARGV[1]
local max = tonumber(ARGV[3])
local n = tonumber(ARGV[5])
local out = {}
local claimed = 0
for i = 1, n do
  if claimed >= max then break end
  local task = ARGV[5 + i]
  if redis.call('SISMEMBER', KEYS[2], task) == 1 then
    local queue = P .. 'q:' .. task
    local read = redis.call('XREADGROUP', 'GROUP', 'dispatch', 'claim', 'COUNT', max - claimed, 'STREAMS', queue, '>')
    if read then
      for _, entry in ipairs(read[1][2]) do
        redis.call('XACK', queue, 'dispatch', entry[1])
        redis.call('XDEL', queue, entry[1])
        local invId = entry[2][2]
        local invKey = P .. 'inv:' .. invId
        local status = redis.call('HGET', invKey, 'status')
        if status == 'REGISTERED' or status == 'RETRY' then
          if status == 'RETRY' then
            redis.call('HINCRBY', invKey, 'attempt', 1)
            redis.call('HDEL', invKey, 'retryAt')
            redis.call('ZREM', P .. 'delayed', invId)
          end
          local asg = invId .. '/' .. (tonumber(redis.call('HGET', invKey, 'version')) + 1) .. '/' .. task
          redis.call('HSET', invKey, 'asg', asg, 'worker', ARGV[2])
          transition(P, invKey, invId, 'PENDING', ARGV[4], ARGV[5 + n + i])
          redis.call('SADD', KEYS[1], asg)
          local f = redis.call('HMGET', invKey, 'args', 'attempt')
          out[#out + 1] = asg
          out[#out + 1] = invId
          out[#out + 1] = task
          out[#out + 1] = f[1]
          out[#out + 1] = f[2]
          claimed = claimed + 1
        end
      end
    end
  end
end
return out
