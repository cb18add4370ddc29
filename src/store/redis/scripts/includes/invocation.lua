-- Creating an invocation, shared by createInvocations (Invoke) and fireTrigger (a
-- firing). A creation is CREATION_WIDTH ARGV values, read by creationAt:
-- id, task id, app id, arguments JSON, provenance JSON or "", trigger id or "", now,
-- "1" when REGISTERED is watched, key TTL ms (idempotency key or firing identity),
-- idempotency key or "", event ids (comma-separated, "" none), worker to assign it
-- to or "", "1" when PENDING is watched, session id of that worker's connection,
-- W3C traceparent or "".
local CREATION_WIDTH = 15

-- The creation whose values start at ARGV[at].
local function creationAt(at)
  return {
    id = ARGV[at], task = ARGV[at + 1], app = ARGV[at + 2], args = ARGV[at + 3], prov = ARGV[at + 4],
    trigger = ARGV[at + 5], now = ARGV[at + 6], registeredWatched = ARGV[at + 7], ttl = ARGV[at + 8],
    ikey = ARGV[at + 9], events = ARGV[at + 10], worker = ARGV[at + 11], pendingWatched = ARGV[at + 12],
    session = ARGV[at + 13], tp = ARGV[at + 14],
  }
end

-- Creates the invocation `c`, indexes it and queues it (REGISTERED), or assigns it
-- to the worker c.worker at once (PENDING) while c.session is still that worker's
-- current connection (sessions hash): then one HSET writes it already assigned,
-- and the REGISTERED state is only logged (when watched) and announced. Returns
-- the assignment id, or false when queued; nil when the invocation exists (a
-- re-run, see assignedBefore: the id is new for every call, so only this call made it).
local function insertInvocation(P, c)
  local invKey = P .. 'inv:' .. c.id
  local seq = nextSeq(P)
  if redis.call('ZADD', P .. 'invs', 'NX', seq, c.id) == 0 then return nil end
  local asg = false
  if c.worker ~= '' and currentSession(P, c.worker) == c.session then
    asg = c.id .. '/2/' .. c.task
  end
  local call = {'HSET', invKey, 'id', c.id, 'task', c.task, 'app', c.app, 'args', c.args, 'prov', c.prov,
    'trg', c.trigger, 'ikey', c.ikey, 'created', c.now, 'updated', c.now, 'attempt', 1, 'seq', seq}
  if c.tp ~= '' then
    call[#call + 1] = 'tp'
    call[#call + 1] = c.tp
  end
  -- Assigned and REGISTERED not logged: written PENDING at once (REGISTERED is only announced).
  local direct = asg and c.registeredWatched ~= '1'
  if direct then
    for _, v in ipairs({'status', 'PENDING', 'version', 2, 'asg', asg, 'worker', c.worker, 'asgAt', c.now}) do
      call[#call + 1] = v
    end
  else
    for _, v in ipairs({'status', 'REGISTERED', 'version', 1}) do call[#call + 1] = v end
  end
  redis.call(unpack(call))
  redis.call('ZADD', P .. 'invs:task:' .. c.task, seq, c.id)
  if c.trigger ~= '' then redis.call('ZADD', P .. 'invs:trigger:' .. c.trigger, seq, c.id) end
  for eventId in string.gmatch(c.events, '[^,]+') do
    if redis.call('EXISTS', P .. 'evt:' .. eventId) == 1 then
      redis.call('RPUSH', P .. 'evt:' .. eventId .. ':invs', c.id)
    end
  end
  if c.registeredWatched == '1' then logStatus(P, invKey, c.now) end
  announceStatus(P, c.id, 'REGISTERED')
  if direct then
    if c.pendingWatched == '1' then logStatus(P, invKey, c.now) end
    announceStatus(P, c.id, 'PENDING')
  elseif asg then
    transition(P, invKey, c.id, 'PENDING', c.now, c.pendingWatched, 1, {'asg', asg, 'worker', c.worker, 'asgAt', c.now})
  end
  if asg then
    redis.call('SADD', P .. 'worker:' .. c.worker, asg)
    return asg
  end
  enqueue(P, c.task, c.id)
  return false
end

-- A creation that ran before (a call re-sent after a lost reply; see scripts.ts).
-- Returns the assignment that run made, while that worker connection still holds
-- it (the caller hands it over, as after the first run), or false.
local function assignedBefore(P, c)
  if c.worker == '' then return false end
  local asg = c.id .. '/2/' .. c.task
  local f = redis.call('HMGET', P .. 'inv:' .. c.id, 'asg', 'worker')
  if f[1] ~= asg or f[2] ~= c.worker then return false end
  if currentSession(P, c.worker) ~= c.session then return false end
  return asg
end
