--- @include "base"
-- Creates an invocation (REGISTERED), indexes it and queues it (or, when ARGV[13]
-- names a worker with free credit and ARGV[15] is still its current connection,
-- assigns it to that worker at once: PENDING),
-- unless its dedupe key (idempotency key or firing identity) names an invocation
-- that still exists.
--
-- KEYS[1] inv:<id>      the new invocation
-- KEYS[2] dedupe key    invkey:<key> or fired:<trigger>|<occurrence> (ignored when ARGV[10] is "0")
-- KEYS[3] invs          all invocations by sequence
-- KEYS[4] active        count of unfinished invocations
-- ARGV[1] key base  [2] id  [3] task id  [4] app id  [5] arguments JSON  [6] provenance JSON or ""
-- ARGV[7] trigger id or ""  [8] now  [9] "1" when REGISTERED is watched  [10] dedupe TTL ms ("0": none)
-- ARGV[11] idempotency key or ""  [12] event ids, comma-separated ("" none)
-- ARGV[13] worker to assign it to, or ""  [14] "1" when PENDING is watched
-- ARGV[15] session id of that worker's connection
-- Returns {1, id} when queued, {1, id, assignment id} when assigned, {0, first id} when deduplicated.
local P = ARGV[1]
if ARGV[10] ~= '0' then
  local first = redis.call('GET', KEYS[2])
  if first and redis.call('EXISTS', P .. 'inv:' .. first) == 1 then return {0, first} end
  redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[10])
end
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
  redis.call('HSET', KEYS[1], 'asg', asg, 'worker', ARGV[13])
  transition(P, KEYS[1], ARGV[2], 'PENDING', ARGV[8], ARGV[14])
  redis.call('SADD', P .. 'worker:' .. ARGV[13], asg)
  return {1, ARGV[2], asg}
end
enqueue(P, ARGV[3], ARGV[2])
return {1, ARGV[2]}
