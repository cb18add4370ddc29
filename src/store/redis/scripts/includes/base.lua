-- Helpers shared by every script. Convention: ARGV[1] is the key base of the
-- deployment (e.g. "{nenc}:"); per-entity keys are derived from it, which is safe
-- on Redis Cluster because the base is a hash tag (see keys.ts).

-- Tells every replica (pub/sub): "w|<task>" work, "i|<invocation>|<status>" for
-- final statuses, "t|<trigger>|<version>" trigger changed, "a|<app>|<version>" app
-- registered, "r" entries of gone replicas released (see releaseConsumer-1.lua).
local function notify(P, message)
  redis.call('PUBLISH', P .. 'notices', message)
end

-- A change of tasks, triggers or apps ("t" or "a"): moves the registry version and
-- tells every replica, with the version. Pub/sub may lose the notice (a replica
-- reconnecting); a replica that sees the version move past the notices it got
-- reloads its registry.
local function notifyRegistry(P, kind, id)
  notify(P, kind .. '|' .. id .. '|' .. redis.call('INCR', P .. 'registry'))
end

-- Whether some replica follows every status change (a WatchInvocation stream is
-- open), and whether some replica waits for a final status: it keeps the key
-- "statusfollowers" or "resultwaiters" alive while it does (see LiveMark in
-- live-mark.ts). Each read once per script.
local marks = {}
local function marked(P, key)
  if marks[key] == nil then marks[key] = redis.call('EXISTS', P .. key) == 1 end
  return marks[key]
end

-- Announces a status change, only while some replica needs it: final ones to every
-- replica while one waits for a result, the others on a channel replicas follow
-- while someone watches every change. Most results have no one waiting for them:
-- they cost no message, and no replica reads one.
local function announceStatus(P, invId, status)
  if status == 'SUCCESS' or status == 'FAILED' then
    if marked(P, 'resultwaiters') then notify(P, 'i|' .. invId .. '|' .. status) end
  elseif marked(P, 'statusfollowers') then
    redis.call('PUBLISH', P .. 'notices:status', 'i|' .. invId .. '|' .. status)
  end
end

-- Sequence numbers (the order of invocations), drawn from "seq": a script that
-- knows how many it may need reserves them with one INCRBY (reserveSeq) instead of
-- one INCR each. Numbers it leaves unused are gaps, which order nothing wrongly.
local seqNext, seqLast = 1, 0
local function reserveSeq(P, n)
  if n <= 0 then return end
  seqLast = redis.call('INCRBY', P .. 'seq', n)
  seqNext = seqLast - n + 1
end

local function nextSeq(P)
  if seqNext > seqLast then return redis.call('INCR', P .. 'seq') end
  seqNext = seqNext + 1
  return seqNext - 1
end

-- The session id of a worker's current connection (sessions hash), read once per
-- script and worker: no script that reads it changes it.
local sessions = {}
local function currentSession(P, workerId)
  local session = sessions[workerId]
  if session == nil then
    session = redis.call('HGET', P .. 'sessions', workerId)
    sessions[workerId] = session
  end
  return session
end

-- Prepends a record to a capped list, trimming it back to `kept` only once it is
-- TRIM_SLACK over (one LTRIM per so many records, not one each): readers take the
-- first `kept` at most (see RedisHistory.listEvaluations).
local TRIM_SLACK = 16
local function pushCapped(list, record, kept)
  if redis.call('LPUSH', list, record) > kept + TRIM_SLACK then redis.call('LTRIM', list, 0, kept - 1) end
end

-- How many occurrences this script appended to the log (see takeLogged).
local logged = 0

-- Appends an occurrence (its stream fields) to the log.
local function logOccurrence(P, fields)
  redis.call('XADD', P .. 'occ', '*', unpack(fields))
  logged = logged + 1
end

-- Hands as many undelivered log entries as this script appended straight to the
-- consumer `consumer` (the replica that called it: it evaluates them at once, with
-- no read), as a blocking read would: usually the ones just appended, or older
-- ones still waiting. Returns them as {id, fields} pairs; none when `consumer` is
-- "" or the group is gone (data loss: the next read creates it again). A re-run
-- of the script whose reply was lost leaves them with that consumer unseen: they
-- are reclaimed once idle, as after a crash.
local function takeLogged(P, consumer)
  if consumer == '' or logged == 0 then return {} end
  local ok, read = pcall(redis.call, 'XREADGROUP', 'GROUP', 'engine', consumer, 'COUNT', logged, 'STREAMS',
    P .. 'occ', '>')
  if not ok or not read then return {} end
  return read[1][2]
end

-- Appends the occurrence of an invocation's current status to the log.
local function logStatus(P, invKey, now)
  local f = redis.call('HMGET', invKey, 'id', 'task', 'status', 'version', 'args', 'attempt', 'result', 'error', 'tp')
  local entry = {'k', 's', 'id', f[1] .. '@' .. f[4], 'at', now, 'inv', f[1], 'task', f[2], 'status', f[3],
    'args', f[5], 'attempt', f[6]}
  if f[7] then entry[#entry + 1] = 'result'; entry[#entry + 1] = f[7] end
  if f[8] then entry[#entry + 1] = 'error'; entry[#entry + 1] = f[8] end
  if f[9] then entry[#entry + 1] = 'tp'; entry[#entry + 1] = f[9] end
  logOccurrence(P, entry)
end

-- Moves an invocation to `status`: version + 1, occurrence if watched ("1"), notice.
-- `version`: its current version when the caller read it (then one HSET writes all),
-- nil to read it here. `fields`: more field/value pairs for the same HSET.
-- Returns the new version.
local function transition(P, invKey, invId, status, now, watched, version, fields)
  local call = {'HSET', invKey, 'status', status, 'updated', now}
  local next
  if version then
    next = tonumber(version) + 1
    call[#call + 1] = 'version'
    call[#call + 1] = next
  else
    next = redis.call('HINCRBY', invKey, 'version', 1)
  end
  if fields then
    for i = 1, #fields do call[#call + 1] = fields[i] end
  end
  redis.call(unpack(call))
  if watched == '1' then logStatus(P, invKey, now) end
  announceStatus(P, invId, status)
  return next
end

-- A finished invocation's entry in the retention index: its id and the index keys
-- it is listed under, so that dropping it needs no read ("<id>|<task>|<trigger>|<idempotency key>").
local function finishedEntry(invId, task, trigger, ikey)
  return invId .. '|' .. task .. '|' .. (trigger or '') .. '|' .. (ikey or '')
end

-- Queues an invocation on its task's stream, creating the stream and its group once.
-- Work is announced only when the queue was empty: a replica with free credit claims
-- until the queue is empty, so work behind other work is never stranded (and the
-- periodic sweep covers a lost notice).
local function enqueue(P, taskId, invId)
  local queue = P .. 'q:' .. taskId
  if redis.call('SADD', P .. 'queues', taskId) == 1 then
    pcall(redis.call, 'XGROUP', 'CREATE', queue, 'dispatch', '0', 'MKSTREAM')
  end
  local wasEmpty = redis.call('XLEN', queue) == 0
  redis.call('XADD', queue, '*', 'inv', invId)
  if wasEmpty then notify(P, 'w|' .. taskId) end
end

-- Puts one assignment of `workerId` back in its queue if it is still current and that
-- worker holds it, counting the loss ("lost", see Assignment.lost) unless `waited`
-- (it was held waiting for a slot, never started); returns the invocation id.
local function releaseAssignment(P, asg, workerId, now, waited)
  local invId = string.match(asg, '^([^/]+)/')
  if not invId then return false end
  local invKey = P .. 'inv:' .. invId
  local cur = redis.call('HMGET', invKey, 'asg', 'task', 'worker')
  if cur[1] ~= asg or cur[3] ~= workerId then return false end
  redis.call('SREM', P .. 'worker:' .. workerId, asg)
  redis.call('HDEL', invKey, 'asg', 'worker', 'asgAt')
  if not waited then redis.call('HINCRBY', invKey, 'lost', 1) end
  transition(P, invKey, invId, 'REGISTERED', now, '1')
  enqueue(P, cur[2], invId)
  return invId
end

-- Deletes an invocation and its index entries (retention). `entry` is its entry in
-- the retention index: a finishedEntry, or a bare id (written by older versions).
local function dropInvocation(P, entry)
  local invId, task, trigger, ikey = string.match(entry, '^([^|]*)|([^|]*)|([^|]*)|(.*)$')
  local f
  if invId then
    f = {task, trigger, ikey}
  else
    invId = entry
    f = redis.call('HMGET', P .. 'inv:' .. invId, 'task', 'trg', 'ikey')
  end
  local invKey = P .. 'inv:' .. invId
  redis.call('DEL', invKey, invKey .. ':att')
  redis.call('ZREM', P .. 'invs', invId)
  if f[1] then redis.call('ZREM', P .. 'invs:task:' .. f[1], invId) end
  if f[2] and f[2] ~= '' then redis.call('ZREM', P .. 'invs:trigger:' .. f[2], invId) end
  if f[3] and f[3] ~= '' and redis.call('GET', P .. 'invkey:' .. f[3]) == invId then
    redis.call('DEL', P .. 'invkey:' .. f[3])
  end
end

-- Deletes an event and its index entries (retention).
local function dropEvent(P, eventId)
  local eventKey = P .. 'evt:' .. eventId
  local f = redis.call('HMGET', eventKey, 'code', 'key')
  redis.call('DEL', eventKey, eventKey .. ':invs')
  redis.call('ZREM', P .. 'evts', eventId)
  if f[1] then redis.call('ZREM', P .. 'evts:code:' .. f[1], eventId) end
  if f[2] and f[2] ~= '' and redis.call('GET', P .. 'evtkey:' .. f[2]) == eventId then
    redis.call('DEL', P .. 'evtkey:' .. f[2])
  end
end

-- Deletes a trigger's definition and everything kept for it. Its cron slots are
-- "<trigger>:<condition index>" fields of the cron hash: one per condition of the
-- stored definition, however many it has.
local function dropTrigger(P, triggerId)
  local json = redis.call('HGET', P .. 'triggers', triggerId)
  if json then
    local slots = {}
    for i = 1, #cjson.decode(json).conditions do slots[i] = triggerId .. ':' .. (i - 1) end
    -- In chunks: unpack() of thousands of values would overflow the Lua stack.
    for from = 1, #slots, 500 do
      redis.call('HDEL', P .. 'cron', unpack(slots, from, math.min(from + 499, #slots)))
    end
  end
  redis.call('HDEL', P .. 'triggers', triggerId)
  redis.call('HDEL', P .. 'paused', triggerId)
  -- joinlru: the partition order of versions before joinage.
  redis.call('DEL', P .. 'join:' .. triggerId, P .. 'joinage:' .. triggerId, P .. 'joinn:' .. triggerId,
    P .. 'joinlru:' .. triggerId, P .. 'evals:' .. triggerId)
  notifyRegistry(P, 't', triggerId)
end
