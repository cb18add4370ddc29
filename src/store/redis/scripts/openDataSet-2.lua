--- @include "once"
-- Opens the data set: its identity is created unless it exists (a new deployment,
-- or the first replica to notice that the data was lost), and the apps a replica
-- asks to register again after a loss are awaited, for ARGV[3] ms at most (the
-- set's TTL; registerApp removes each app as it registers). Runs once per request
-- (includes/once.lua): a re-send must not await an app that registered meanwhile.
--
-- KEYS[1] dataset  KEYS[2] awaiting
-- ARGV[1] key base  [2] a new random identity (used only when none exists)
--   [3] await for (ms)  [4] number of apps n, then n app ids, then the request id
-- Returns the data set's identity.
local P = ARGV[1]
return once(P, function()
  redis.call('SET', KEYS[1], ARGV[2], 'NX')
  local count = tonumber(ARGV[4])
  if count > 0 then
    for i = 5, 4 + count do redis.call('SADD', KEYS[2], ARGV[i]) end
    redis.call('PEXPIRE', KEYS[2], ARGV[3])
  end
  return redis.call('GET', KEYS[1])
end)
