--- @include "once"
-- Claims cron slots: for each condition, moves its last scheduled slot from the
-- expected value to the next one and logs the occurrences to fire, atomically.
-- Among replicas trying the same claim, exactly one wins; a re-run (see
-- includes/once.lua) answers as the first run did.
--
-- KEYS[1] cron  KEYS[2] triggers
-- ARGV[1] key base  [2] n claims, then per claim four values:
--   "<trigger>:<condition>", expected last slot ("" when none is stored), next slot,
--   JSON array of occurrence JSON strings; then the request id
-- Returns one 1 (won) or 0 (lost, or the trigger is gone) per claim.
local P = ARGV[1]
return once(P, function()
  local results = {}
  local at = 3
  for claim = 1, tonumber(ARGV[2]) do
    local field, expected, nextSlot, occurrences = ARGV[at], ARGV[at + 1], ARGV[at + 2], ARGV[at + 3]
    at = at + 4
    local triggerId = string.match(field, '^(.*):%d+$')
    local current = redis.call('HGET', KEYS[1], field)
    local matches = (current == false and expected == '') or current == expected
    -- A deleted trigger's slots are gone with it (see dropTrigger): only a first claim can match one.
    if matches and (expected ~= '' or redis.call('HEXISTS', KEYS[2], triggerId) == 1) then
      redis.call('HSET', KEYS[1], field, nextSlot)
      for _, occurrence in ipairs(cjson.decode(occurrences)) do
        redis.call('XADD', P .. 'occ', '*', 'j', occurrence)
      end
      results[claim] = 1
    else
      results[claim] = 0
    end
  end
  return results
end)
