-- Assigns up to `max` queued invocations of `tasks` (in that order) to a worker:
-- each becomes PENDING under a new assignment id "<invocation>/<version>/<task>".
-- Nothing when `session` is not the worker's current connection (sessions hash):
-- a connection that a newer one replaced gets no more work.
-- Entries are removed from the queue stream as they are read; stale entries
-- (invocations no longer REGISTERED or RETRY) are dropped. `watched[i]` is "1" when
-- PENDING of tasks[i] is watched. Returns a flat list: assignment id, invocation id,
-- task id, arguments JSON, attempt, ...
local function claim(P, workerId, session, max, now, tasks, watched)
  local out = {}
  if redis.call('HGET', P .. 'sessions', workerId) ~= session then return out end
  local claimed = 0
  local held = P .. 'worker:' .. workerId
  for i, task in ipairs(tasks) do
    if claimed >= max then break end
    if redis.call('SISMEMBER', P .. 'queues', task) == 1 then
      local queue = P .. 'q:' .. task
      -- Until `max` are claimed or the queue is empty: stale entries do not count.
      while claimed < max do
        local read = redis.call('XREADGROUP', 'GROUP', 'dispatch', 'claim', 'COUNT', max - claimed, 'STREAMS', queue, '>')
        if not read then break end
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
            redis.call('HSET', invKey, 'asg', asg, 'worker', workerId)
            transition(P, invKey, invId, 'PENDING', now, watched[i])
            redis.call('SADD', held, asg)
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
end

-- Reads "n, tasks..., watched..." from ARGV starting at `at`.
local function claimArgs(at)
  local n = tonumber(ARGV[at])
  local tasks, watched = {}, {}
  for i = 1, n do
    tasks[i] = ARGV[at + i]
    watched[i] = ARGV[at + n + i]
  end
  return tasks, watched
end

-- The assignment ids of a list claim() made.
local function assignmentIds(out)
  local ids = {}
  for i = 1, #out, 5 do ids[#ids + 1] = out[i] end
  return ids
end

-- The assignments `ids` of an earlier claim that `workerId` still holds, listed as
-- claim() lists them: what a re-run of that claim answers (see includes/once.lua).
local function stillHeld(P, workerId, ids)
  local out = {}
  for _, asg in ipairs(ids) do
    local invId, task = string.match(asg, '^([^/]+)/%d+/(.+)$')
    local f = redis.call('HMGET', P .. 'inv:' .. invId, 'asg', 'worker', 'args', 'attempt')
    if f[1] == asg and f[2] == workerId then
      out[#out + 1] = asg
      out[#out + 1] = invId
      out[#out + 1] = task
      out[#out + 1] = f[3]
      out[#out + 1] = f[4]
    end
  end
  return out
end
