--- @include "base"
--- @include "invocation"
-- Fires a trigger: creates its invocation (see includes/invocation.lua) with the
-- firing identity, unless that identity is known (a repeat: the identity alone
-- decides, even once retention dropped the invocation it names), or the trigger was
-- deleted or paused meanwhile (a replica's trigger index may lag behind). A re-run of
-- this very call (the identity names the invocation ARGV[2]) answers as the first run
-- did (see assignedBefore in includes/invocation.lua).
--
-- KEYS[1] inv:<id>  KEYS[2] fired:<trigger>|<occurrence>  KEYS[3] invs
-- KEYS[4] triggers  KEYS[5] paused
-- ARGV[1..9], [11..15] as in includes/invocation.lua (ARGV[7] is the firing trigger's id)
-- ARGV[10] firing identity TTL ms (the marker retention)
-- Returns {"fired", id} or {"fired", id, assignment id}; {"deduplicated", first id, 1 | 0 (kept or
-- dropped by retention)}; {"deleted"} or {"paused"} when nothing was created.
local first = redis.call('GET', KEYS[2])
if first == ARGV[2] then
  local asg = assignedBefore(KEYS[1])
  if asg then return {'fired', ARGV[2], asg} end
  return {'fired', ARGV[2]}
end
if first then return {'deduplicated', first, redis.call('EXISTS', ARGV[1] .. 'inv:' .. first)} end
if redis.call('HEXISTS', KEYS[4], ARGV[7]) == 0 then return {'deleted'} end
if redis.call('HEXISTS', KEYS[5], ARGV[7]) == 1 then return {'paused'} end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[10])
local asg = insertInvocation(KEYS[1], KEYS[3])
if asg then return {'fired', ARGV[2], asg} end
return {'fired', ARGV[2]}
