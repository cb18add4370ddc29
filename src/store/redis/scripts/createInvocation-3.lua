--- @include "base"
--- @include "invocation"
-- Creates an invocation for Invoke (see includes/invocation.lua), unless its
-- idempotency key names an invocation that still exists: an idempotency key answers
-- only with its invocation, so once retention dropped that one a repeat creates anew.
-- A re-run of this very call (the invocation ARGV[2] exists) answers as the first run
-- did and changes nothing (see assignedBefore in includes/invocation.lua).
--
-- KEYS[1] inv:<id>  KEYS[2] invkey:<key> (ignored when ARGV[10] is "0")  KEYS[3] invs
-- ARGV[1..9], [11..15] as in includes/invocation.lua
-- ARGV[10] idempotency key TTL ms ("0": no key)
-- Returns {1, id} when queued, {1, id, assignment id} when assigned, {0, first id} when deduplicated.
if ARGV[10] ~= '0' then
  local first = redis.call('GET', KEYS[2])
  if first == ARGV[2] then
    local asg = assignedBefore(KEYS[1])
    if asg then return {1, ARGV[2], asg} end
    return {1, ARGV[2]}
  end
  if first and redis.call('EXISTS', ARGV[1] .. 'inv:' .. first) == 1 then return {0, first} end
  redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[10])
end
local asg = insertInvocation(KEYS[1], KEYS[3])
if asg == nil then asg = assignedBefore(KEYS[1]) end
if asg then return {1, ARGV[2], asg} end
return {1, ARGV[2]}
