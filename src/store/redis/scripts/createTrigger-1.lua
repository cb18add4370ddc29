--- @include "base"
--- @include "once"
-- Stores a runtime trigger unless one with its id exists (then moves the registry version).
--
-- KEYS[1] triggers
-- ARGV[1] key base  [2] trigger id  [3] Trigger JSON  [4] request id (see includes/once.lua)
-- Returns 1 when created, 0 when it existed.
return once(ARGV[1], function()
  if redis.call('HSETNX', KEYS[1], ARGV[2], ARGV[3]) == 0 then return 0 end
  notifyRegistry(ARGV[1], 't', ARGV[2])
  return 1
end)
