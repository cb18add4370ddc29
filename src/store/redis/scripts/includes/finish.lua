-- Ending one attempt, shared by the scripts that end attempts (finishAttempts).
-- `r` holds one result: asg (assignment id), status, payload (result or error
-- JSON), retryAt, now, watched ("1" when the status is watched), worker (the
-- sender), startedAt (when the attempt started if that is not recorded yet, or
-- ""), runningWatched; `request` is the request id it records ("freq").

-- The start not recorded yet: logged when watched (the RUNNING state is then
-- written first), otherwise only counted and announced. Returns the version.
local function recordStart(P, invKey, invId, r, version)
  if r.runningWatched == '1' then
    return transition(P, invKey, invId, 'RUNNING', r.startedAt, r.runningWatched, version)
  end
  announceStatus(P, invId, 'RUNNING')
  return tonumber(version) + 1
end

-- Counts a final status in its activity bucket (see src/store/activity.ts: buckets
-- of 10 s, kept an hour): "act:<bucket start>" hash, field s (SUCCESS) or f (FAILED).
local function countActivity(P, now, status)
  local key = P .. 'act:' .. (math.floor(tonumber(now) / 10000) * 10000)
  if redis.call('HINCRBY', key, status == 'SUCCESS' and 's' or 'f', 1) == 1 then
    redis.call('PEXPIRE', key, 3600000 + 10000)
  end
end

-- Appends the ending attempt to the invocation's list "inv:<id>:att" (dropped with
-- it): JSON built here, the error JSON inserted as the worker sent it (never re-encoded).
local function recordAttempt(invKey, cur, r)
  local record = '{"attempt":' .. (cur[10] or '1') .. ',"workerId":' .. cjson.encode(cur[3]) ..
    ',"assignedAt":' .. (cur[9] or r.now) .. ',"endedAt":' .. r.now .. ',"outcome":"' .. r.status .. '"'
  if r.status ~= 'SUCCESS' then record = record .. ',"error":' .. r.payload end
  redis.call('RPUSH', invKey .. ':att', record .. '}')
end

-- Ends the attempt if the assignment is still current and held by the sender:
-- SUCCESS, FAILED (final) or RETRY (due again at r.retryAt). A final status enters
-- the retention index `finishedKey`; beyond `kept` the oldest finished invocations
-- are dropped (two at most per call). Returns 1 when applied, 0 for a stale or
-- foreign assignment, "rerun" when this very request applied it before.
-- Finished invocations retained, counted once per script (ZCARD), then kept in step.
local finishedCount = nil

local function finishOne(P, finishedKey, delayedKey, kept, r, request)
  local invId = string.match(r.asg, '^([^/]+)/')
  if not invId then return 0 end
  local invKey = P .. 'inv:' .. invId
  local cur = redis.call('HMGET', invKey, 'asg', 'status', 'worker', 'version', 'freq', 'task', 'trg', 'ikey', 'asgAt',
    'attempt')
  if cur[5] == request then return 'rerun' end
  if cur[1] ~= r.asg or cur[3] ~= r.worker or (cur[2] ~= 'PENDING' and cur[2] ~= 'RUNNING') then return 0 end
  local version = cur[4]
  if r.startedAt ~= '' and cur[2] == 'PENDING' then version = recordStart(P, invKey, invId, r, version) end
  recordAttempt(invKey, cur, r)
  redis.call('SREM', P .. 'worker:' .. cur[3], r.asg)
  redis.call('HDEL', invKey, 'asg', 'worker', 'asgAt', 'creq')
  local fields = {r.status == 'SUCCESS' and 'result' or 'error', r.payload, 'freq', request}
  if r.status == 'RETRY' then
    fields[#fields + 1] = 'retryAt'
    fields[#fields + 1] = r.retryAt
    redis.call('ZADD', delayedKey, r.retryAt, invId)
  end
  transition(P, invKey, invId, r.status, r.now, r.watched, version, fields)
  if r.status ~= 'RETRY' then
    countActivity(P, r.now, r.status)
    redis.call('ZADD', finishedKey, nextSeq(P), finishedEntry(invId, cur[6], cur[7], cur[8]))
    finishedCount = finishedCount and finishedCount + 1 or redis.call('ZCARD', finishedKey)
    local excess = finishedCount - kept
    if excess > 0 then
      local oldest = redis.call('ZPOPMIN', finishedKey, math.min(excess, 2))
      for i = 1, #oldest, 2 do dropInvocation(P, oldest[i]) end
      finishedCount = finishedCount - #oldest / 2
    end
  end
  return 1
end
