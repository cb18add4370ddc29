--- @include "once"
--- @include "base"
--- @include "invocation"
-- Claims cron slots and fires them in the same step, for triggers whose firing
-- needs no worker and no join: for each condition, moves its last scheduled slot
-- from the expected value to the next one (as advanceCron-2.lua does) and, instead
-- of logging the slots' occurrences, creates one invocation per slot, queued or
-- assigned to the worker its creation names (includes/invocation.lua), under its
-- firing identity (as fireTrigger-5.lua: a
-- known identity creates nothing), then prepends the "fired" record to the
-- trigger's history (as settleOccurrences-2.lua). A paused trigger's slots are
-- claimed and fire nothing. A re-run (see includes/once.lua) answers as the first
-- run did.
--
-- KEYS[1] cron  KEYS[2] triggers  KEYS[3] paused
-- ARGV[1] key base  [2] records kept per trigger  [3] n claims, then per claim:
-- "<trigger>:<condition>", expected last slot ("" when none is stored), next slot,
-- n firings, then per firing: the CREATION_WIDTH values of its creation (see creationAt; its key
-- TTL is the firing identity's), the firing identity, the evaluation record JSON;
-- then the request id.
-- Returns per claim {"fired", the assignment ids of the firings created assigned},
-- {"paused"} or {"lost"} (lost, or the trigger is gone).
local P = ARGV[1]
local kept = tonumber(ARGV[2])

-- One firing: its invocation created, queued or assigned (see insertInvocation), its
-- record kept. Returns the assignment id when assigned.
local function fireOne(f)
  -- Only a slot claimed before under another version could have fired already.
  if not redis.call('SET', P .. 'fired:' .. f.key, f.creation.id, 'PX', f.creation.ttl, 'NX') then return false end
  local asg = insertInvocation(P, f.creation)
  pushCapped(P .. 'evals:' .. f.creation.trigger, f.record, kept)
  return asg
end

return once(P, function()
  local claims = {}
  local firings = 0
  local at = 4
  for claim = 1, tonumber(ARGV[3]) do
    local c = { field = ARGV[at], expected = ARGV[at + 1], nextSlot = ARGV[at + 2], firings = {} }
    local n = tonumber(ARGV[at + 3])
    at = at + 4
    for i = 1, n do
      c.firings[i] = { creation = creationAt(at), key = ARGV[at + CREATION_WIDTH], record = ARGV[at + CREATION_WIDTH + 1] }
      at = at + CREATION_WIDTH + 2
    end
    firings = firings + n
    claims[claim] = c
  end
  reserveSeq(P, firings)
  local results = {}
  for i, c in ipairs(claims) do
    local triggerId = string.match(c.field, '^(.*):%d+$')
    local current = redis.call('HGET', KEYS[1], c.field)
    local matches = (current == false and c.expected == '') or current == c.expected
    -- A deleted trigger's slots are gone with it (see dropTrigger): only a first claim can match one.
    if matches and (c.expected ~= '' or redis.call('HEXISTS', KEYS[2], triggerId) == 1) then
      redis.call('HSET', KEYS[1], c.field, c.nextSlot)
      if redis.call('HEXISTS', KEYS[3], triggerId) == 1 then
        results[i] = {'paused'}
      else
        local fired = {'fired'}
        for _, f in ipairs(c.firings) do
          local asg = fireOne(f)
          if asg then fired[#fired + 1] = asg end
        end
        results[i] = fired
      end
    else
      results[i] = {'lost'}
    end
  end
  return results
end)
