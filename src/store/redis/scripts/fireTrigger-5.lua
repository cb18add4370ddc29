--- @include "base"
--- @include "invocation"
-- Fires a trigger: creates its invocation (see includes/invocation.lua) with the
-- firing identity, unless that identity is known (a repeat: the identity alone
-- decides, even once retention dropped the invocation it names), or the trigger was
-- deleted or paused meanwhile (a replica's trigger index may lag behind). A re-run of
-- this very call (the identity names the invocation) answers as the first run did
-- (see assignedBefore in includes/invocation.lua).
--
-- KEYS[1] inv:<id>  KEYS[2] fired:<trigger>|<occurrence>  KEYS[3] invs
-- KEYS[4] triggers  KEYS[5] paused
-- ARGV[1] key base  [2..] the creation (see creationAt: its trigger is the firing
--   trigger, its key TTL the marker retention)
-- Returns {"fired", id} or {"fired", id, assignment id}; {"deduplicated", first id, 1 | 0 (kept or
-- dropped by retention)}; {"deleted"} or {"paused"} when nothing was created.
local P = ARGV[1]
local c = creationAt(2)
local first = redis.call('GET', KEYS[2])
if first == c.id then
  local asg = assignedBefore(P, c)
  if asg then return {'fired', c.id, asg} end
  return {'fired', c.id}
end
if first then return {'deduplicated', first, redis.call('EXISTS', P .. 'inv:' .. first)} end
if redis.call('HEXISTS', KEYS[4], c.trigger) == 0 then return {'deleted'} end
if redis.call('HEXISTS', KEYS[5], c.trigger) == 1 then return {'paused'} end
redis.call('SET', KEYS[2], c.id, 'PX', c.ttl)
local asg = insertInvocation(P, c)
if asg then return {'fired', c.id, asg} end
return {'fired', c.id}
