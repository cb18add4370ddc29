-- Assigns up to `max` queued invocations of `tasks` (in that order) to a worker:
-- each becomes PENDING under a new assignment id "<invocation>/<version>/<task>".
-- Nothing when `session` is not the worker's current connection (sessions hash):
-- a connection that a newer one replaced gets no more work.
-- Entries are removed from the queue stream as they are read; stale entries
-- (invocations no longer REGISTERED or RETRY) are dropped. `watched[i]` is "1" when
-- PENDING of tasks[i] is watched. Each assigned invocation records the claim's
-- request id and its place in the batch ("creq" = "<request id>/<n>"; see
-- claimedBefore). Returns a flat list: assignment id, invocation id, task id,
-- arguments JSON, attempt, times lost ("0" when never), created at, traceparent ("" none), ...
local function claim(P, workerId, session, max, now, tasks, watched, request)
  local out = {}
  if currentSession(P, workerId) ~= session then return out end
  local claimed = 0
  local held = P .. 'worker:' .. workerId
  for i, task in ipairs(tasks) do
    if claimed >= max then break end
    if redis.call('SISMEMBER', P .. 'queues', task) == 1 then
      local queue = P .. 'q:' .. task
      -- Until `max` are claimed or the queue is empty: stale entries do not count.
      while claimed < max do
        local read = redis.call('XREADGROUP', 'GROUP', 'dispatch', 'claim', 'COUNT', math.min(max - claimed, 500), 'STREAMS', queue, '>')
        if not read then break end
        local ids = {}
        for _, entry in ipairs(read[1][2]) do ids[#ids + 1] = entry[1] end
        redis.call('XACK', queue, 'dispatch', unpack(ids))
        redis.call('XDEL', queue, unpack(ids))
        for _, entry in ipairs(read[1][2]) do
          local invId = entry[2][2]
          local invKey = P .. 'inv:' .. invId
          local f = redis.call('HMGET', invKey, 'status', 'version', 'args', 'attempt', 'lost', 'created', 'tp')
          local status = f[1]
          if status == 'REGISTERED' or status == 'RETRY' then
            local attempt = f[4]
            local fields = {}
            if status == 'RETRY' then
              attempt = tonumber(attempt) + 1
              fields = {'attempt', attempt}
              redis.call('HDEL', invKey, 'retryAt')
              redis.call('ZREM', P .. 'delayed', invId)
            end
            local asg = invId .. '/' .. (tonumber(f[2]) + 1) .. '/' .. task
            for _, v in ipairs({'asg', asg, 'worker', workerId, 'asgAt', now, 'creq', request .. '/' .. (claimed + 1)}) do
              fields[#fields + 1] = v
            end
            transition(P, invKey, invId, 'PENDING', now, watched[i], f[2], fields)
            redis.call('SADD', held, asg)
            out[#out + 1] = asg
            out[#out + 1] = invId
            out[#out + 1] = task
            out[#out + 1] = f[3]
            out[#out + 1] = attempt
            out[#out + 1] = f[5] or '0'
            out[#out + 1] = f[6]
            out[#out + 1] = f[7] or ''
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

-- The assignments the worker holds that a claim with this request id made, listed
-- as claim() listed them, in its order: what a re-run of that claim answers (it
-- then claims nothing more, so no batch is left PENDING under a worker that never
-- heard of it). The worker's set holds at most its concurrency. Empty when that
-- claim made none (or they ended or were released since): the re-run claims afresh.
local function claimedBefore(P, workerId, request)
  local found = {}
  for _, asg in ipairs(redis.call('SMEMBERS', P .. 'worker:' .. workerId)) do
    local invId, task = string.match(asg, '^([^/]+)/%d+/(.+)$')
    if invId then
      local f = redis.call('HMGET', P .. 'inv:' .. invId, 'asg', 'worker', 'creq', 'args', 'attempt', 'lost', 'created', 'tp')
      if f[1] == asg and f[2] == workerId and f[3] then
        local by, n = string.match(f[3], '^(.*)/(%d+)$')
        if by == request then found[#found + 1] = {tonumber(n), asg, invId, task, f[4], f[5], f[6] or '0', f[7], f[8] or ''} end
      end
    end
  end
  table.sort(found, function(a, b) return a[1] < b[1] end)
  local out = {}
  for _, item in ipairs(found) do
    for i = 2, 9 do out[#out + 1] = item[i] end
  end
  return out
end
