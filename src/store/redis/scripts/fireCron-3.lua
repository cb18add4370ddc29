--- @include "once"
--- @include "base"
--- @include "invocation"
-- Claims cron slots and fires them in the same step, for triggers whose firing
-- needs no worker and no join: for each condition, moves its last scheduled slot
-- from the expected value to the next one (as advanceCron-2.lua does) and, instead
-- of logging the slots' occurrences, creates and queues one invocation per slot
-- (includes/invocation.lua) under its firing identity (as fireTrigger-5.lua: a
-- known identity creates nothing), then prepends the "fired" record to the
-- trigger's history (as settleOccurrences-2.lua). A paused trigger's slots are
-- claimed and fire nothing. A re-run (see includes/once.lua) answers as the first
-- run did.
--
-- KEYS[1] cron  KEYS[2] triggers  KEYS[3] paused
-- ARGV[1] key base  [2] records kept per trigger  [3] firing identity TTL ms
-- [4] n claims, then per claim: "<trigger>:<condition>", expected last slot ("" when
-- none is stored), next slot, n firings, then per firing: invocation id, task id,
-- app id, arguments JSON, provenance JSON, created at, "1" when REGISTERED is
-- watched, firing identity, evaluation record JSON; then the request id.
-- Returns per claim "fired", "paused" or "lost" (lost, or the trigger is gone).
local P = ARGV[1]
local kept = tonumber(ARGV[2])
local ttl = ARGV[3]

-- One firing: its invocation created and queued (see insertInvocation), its record kept.
local function fireOne(triggerId, f)
  -- Only a slot claimed before under another version could have fired already.
  if not redis.call('SET', P .. 'fired:' .. f[8], f[1], 'PX', ttl, 'NX') then return end
  insertInvocation(P, {
    id = f[1], task = f[2], app = f[3], args = f[4], prov = f[5], trigger = triggerId, now = f[6],
    registeredWatched = f[7], ttl = ttl, ikey = '', events = '', worker = '', pendingWatched = '0', session = '',
  })
  local list = P .. 'evals:' .. triggerId
  if redis.call('LPUSH', list, f[9]) > kept then redis.call('LTRIM', list, 0, kept - 1) end
end

return once(P, function()
  local claims = {}
  local at = 5
  for claim = 1, tonumber(ARGV[4]) do
    local c = { field = ARGV[at], expected = ARGV[at + 1], nextSlot = ARGV[at + 2], firings = {} }
    local n = tonumber(ARGV[at + 3])
    at = at + 4
    for i = 1, n do
      c.firings[i] = { unpack(ARGV, at, at + 8) }
      at = at + 9
    end
    claims[claim] = c
  end
  local results = {}
  for i, c in ipairs(claims) do
    local triggerId = string.match(c.field, '^(.*):%d+$')
    local current = redis.call('HGET', KEYS[1], c.field)
    local matches = (current == false and c.expected == '') or current == c.expected
    if matches and redis.call('HEXISTS', KEYS[2], triggerId) == 1 then
      redis.call('HSET', KEYS[1], c.field, c.nextSlot)
      if redis.call('HEXISTS', KEYS[3], triggerId) == 1 then
        results[i] = 'paused'
      else
        for _, f in ipairs(c.firings) do fireOne(triggerId, f) end
        results[i] = 'fired'
      end
    else
      results[i] = 'lost'
    end
  end
  return results
end)
