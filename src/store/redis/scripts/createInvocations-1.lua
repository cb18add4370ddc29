--- @include "base"
--- @include "invocation"
-- Creates invocations for Invoke, several in one step (the calls of one turn): each
-- as insertInvocation (includes/invocation.lua) says, unless its idempotency key
-- names an invocation that still exists: an idempotency key answers only with its
-- invocation, so once retention dropped that one a repeat creates anew. A re-run
-- of this very call (the invocation exists, or its key names it) answers as the
-- first run did and changes nothing (see assignedBefore).
--
-- KEYS[1] invs
-- ARGV[1] key base  [2] n creations, then CREATION_WIDTH values per creation (see creationAt;
--   its key TTL is the idempotency key's, "0": no key)
-- Returns per creation {1, id} when queued, {1, id, assignment id} when assigned,
--   {0, first id} when deduplicated.
local P = ARGV[1]
local out = {}

local function createOne(c)
  if c.ttl ~= '0' then
    local keyKey = P .. 'invkey:' .. c.ikey
    local first = redis.call('GET', keyKey)
    if first == c.id then
      local asg = assignedBefore(P, c)
      if asg then return {1, c.id, asg} end
      return {1, c.id}
    end
    if first and redis.call('EXISTS', P .. 'inv:' .. first) == 1 then return {0, first} end
    redis.call('SET', keyKey, c.id, 'PX', c.ttl)
  end
  local asg = insertInvocation(P, c)
  if asg == nil then asg = assignedBefore(P, c) end
  if asg then return {1, c.id, asg} end
  return {1, c.id}
end

reserveSeq(P, tonumber(ARGV[2]))
for n = 1, tonumber(ARGV[2]) do out[n] = createOne(creationAt(3 + (n - 1) * CREATION_WIDTH)) end
return out
