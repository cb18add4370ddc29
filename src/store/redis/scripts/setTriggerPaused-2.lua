--- @include "base"
--- @include "once"
-- Pauses or resumes a trigger (the flag lives beside the immutable definition) and
-- moves the registry version.
--
-- KEYS[1] triggers  KEYS[2] paused
-- ARGV[1] key base  [2] trigger id  [3] "1" to pause, "0" to resume  [4] request id (see includes/once.lua)
-- Returns the Trigger JSON, or false when unknown.
return once(ARGV[1], function()
  local json = redis.call('HGET', KEYS[1], ARGV[2])
  if not json then return false end
  if ARGV[3] == '1' then redis.call('HSET', KEYS[2], ARGV[2], '1') else redis.call('HDEL', KEYS[2], ARGV[2]) end
  notifyRegistry(ARGV[1], 't', ARGV[2])
  return json
end)
