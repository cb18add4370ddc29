-- Creating an invocation, shared by createInvocation (Invoke) and fireTrigger (a
-- firing). Both scripts use this KEYS/ARGV layout for it:
-- KEYS[1] inv:<id>  KEYS[3] invs  KEYS[4] active
-- ARGV[1] key base  [2] id  [3] task id  [4] app id  [5] arguments JSON  [6] provenance JSON or ""
-- ARGV[7] trigger id or ""  [8] now  [9] "1" when REGISTERED is watched  [11] idempotency key or ""
-- ARGV[12] event ids, comma-separated ("" none)  [13] worker to assign it to, or ""
-- ARGV[14] "1" when PENDING is watched  [15] session id of that worker's connection

-- Creates the invocation (REGISTERED), indexes it and queues it, or assigns it to
-- the worker ARGV[13] at once (PENDING) while ARGV[15] is still that worker's current
-- connection (sessions hash). Returns the assignment id, or false when queued.
local function insertInvocation()
  local P = ARGV[1]
  local seq = redis.call('INCR', P .. 'seq')
  redis.call('HSET', KEYS[1], 'id', ARGV[2], 'task', ARGV[3], 'app', ARGV[4], 'args', ARGV[5], 'prov', ARGV[6],
    'trg', ARGV[7], 'ikey', ARGV[11], 'created', ARGV[8], 'updated', ARGV[8], 'status', 'REGISTERED',
    'version', 1, 'attempt', 1, 'seq', seq)
  redis.call('ZADD', KEYS[3], seq, ARGV[2])
  redis.call('ZADD', P .. 'invs:task:' .. ARGV[3], seq, ARGV[2])
  if ARGV[7] ~= '' then redis.call('ZADD', P .. 'invs:trigger:' .. ARGV[7], seq, ARGV[2]) end
  redis.call('INCR', KEYS[4])
  for eventId in string.gmatch(ARGV[12], '[^,]+') do
    if redis.call('EXISTS', P .. 'evt:' .. eventId) == 1 then
      redis.call('RPUSH', P .. 'evt:' .. eventId .. ':invs', ARGV[2])
    end
  end
  if ARGV[9] == '1' then logStatus(P, KEYS[1], ARGV[8]) end
  announceStatus(P, ARGV[2], 'REGISTERED')
  if ARGV[13] ~= '' and redis.call('HGET', P .. 'sessions', ARGV[13]) == ARGV[15] then
    local asg = ARGV[2] .. '/2/' .. ARGV[3]
    redis.call('HSET', KEYS[1], 'asg', asg, 'worker', ARGV[13], 'asgAt', ARGV[8])
    transition(P, KEYS[1], ARGV[2], 'PENDING', ARGV[8], ARGV[14])
    redis.call('SADD', P .. 'worker:' .. ARGV[13], asg)
    return asg
  end
  enqueue(P, ARGV[3], ARGV[2])
  return false
end

-- A creation that ran before with these arguments (a call re-sent after a lost
-- reply; see scripts.ts): the invocation's id is new for every call, so finding it
-- means this call made it. Returns the assignment that run made, while that worker
-- connection still holds it (the caller hands it over, as after the first run), or false.
local function assignedBefore()
  if ARGV[13] == '' then return false end
  local asg = ARGV[2] .. '/2/' .. ARGV[3]
  local f = redis.call('HMGET', KEYS[1], 'asg', 'worker')
  if f[1] ~= asg or f[2] ~= ARGV[13] then return false end
  if redis.call('HGET', ARGV[1] .. 'sessions', ARGV[13]) ~= ARGV[15] then return false end
  return asg
end
