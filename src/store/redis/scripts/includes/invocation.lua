-- Creating an invocation, shared by createInvocation (Invoke) and fireTrigger (a
-- firing). Both scripts use this ARGV layout for it (their KEYS differ; the
-- invocation's key and the index "invs" are passed in):
-- ARGV[1] key base  [2] id  [3] task id  [4] app id  [5] arguments JSON  [6] provenance JSON or ""
-- ARGV[7] trigger id or ""  [8] now  [9] "1" when REGISTERED is watched  [11] idempotency key or ""
-- ARGV[12] event ids, comma-separated ("" none)  [13] worker to assign it to, or ""
-- ARGV[14] "1" when PENDING is watched  [15] session id of that worker's connection

-- Creates the invocation, indexes it and queues it (REGISTERED), or assigns it to
-- the worker ARGV[13] at once (PENDING) while ARGV[15] is still that worker's current
-- connection (sessions hash): then one HSET writes it already assigned, and the
-- REGISTERED state is only logged (when watched) and announced. Returns the
-- assignment id, or false when queued; nil when the invocation exists (a re-run,
-- see assignedBefore: the id is new for every call, so only this call made it).
local function insertInvocation(invKey, invsKey)
  local P = ARGV[1]
  local seq = redis.call('INCR', P .. 'seq')
  if redis.call('ZADD', invsKey, 'NX', seq, ARGV[2]) == 0 then return nil end
  local asg = false
  if ARGV[13] ~= '' and redis.call('HGET', P .. 'sessions', ARGV[13]) == ARGV[15] then
    asg = ARGV[2] .. '/2/' .. ARGV[3]
  end
  local call = {'HSET', invKey, 'id', ARGV[2], 'task', ARGV[3], 'app', ARGV[4], 'args', ARGV[5], 'prov', ARGV[6],
    'trg', ARGV[7], 'ikey', ARGV[11], 'created', ARGV[8], 'updated', ARGV[8], 'attempt', 1, 'seq', seq}
  -- Assigned and REGISTERED not logged: written PENDING at once (REGISTERED is only announced).
  local direct = asg and ARGV[9] ~= '1'
  if direct then
    for _, v in ipairs({'status', 'PENDING', 'version', 2, 'asg', asg, 'worker', ARGV[13], 'asgAt', ARGV[8]}) do
      call[#call + 1] = v
    end
  else
    for _, v in ipairs({'status', 'REGISTERED', 'version', 1}) do call[#call + 1] = v end
  end
  redis.call(unpack(call))
  redis.call('ZADD', P .. 'invs:task:' .. ARGV[3], seq, ARGV[2])
  if ARGV[7] ~= '' then redis.call('ZADD', P .. 'invs:trigger:' .. ARGV[7], seq, ARGV[2]) end
  for eventId in string.gmatch(ARGV[12], '[^,]+') do
    if redis.call('EXISTS', P .. 'evt:' .. eventId) == 1 then
      redis.call('RPUSH', P .. 'evt:' .. eventId .. ':invs', ARGV[2])
    end
  end
  if ARGV[9] == '1' then logStatus(P, invKey, ARGV[8]) end
  announceStatus(P, ARGV[2], 'REGISTERED')
  if direct then
    if ARGV[14] == '1' then logStatus(P, invKey, ARGV[8]) end
    announceStatus(P, ARGV[2], 'PENDING')
  elseif asg then
    transition(P, invKey, ARGV[2], 'PENDING', ARGV[8], ARGV[14], 1, {'asg', asg, 'worker', ARGV[13], 'asgAt', ARGV[8]})
  end
  if asg then
    redis.call('SADD', P .. 'worker:' .. ARGV[13], asg)
    return asg
  end
  enqueue(P, ARGV[3], ARGV[2])
  return false
end

-- A creation that ran before with these arguments (a call re-sent after a lost
-- reply; see scripts.ts). Returns the assignment that run made, while that worker
-- connection still holds it (the caller hands it over, as after the first run), or false.
local function assignedBefore(invKey)
  if ARGV[13] == '' then return false end
  local asg = ARGV[2] .. '/2/' .. ARGV[3]
  local f = redis.call('HMGET', invKey, 'asg', 'worker')
  if f[1] ~= asg or f[2] ~= ARGV[13] then return false end
  if redis.call('HGET', ARGV[1] .. 'sessions', ARGV[13]) ~= ARGV[15] then return false end
  return asg
end
