--- @include "base"
--- @include "once"
-- Deletes a trigger with its join state, cron slots, history and pause flag, and
-- moves the registry version.
--
-- KEYS[1] triggers
-- ARGV[1] key base  [2] trigger id  [3] its app id when it was declared, else ""
-- ARGV[4] request id (see includes/once.lua)
-- Returns 1 when deleted, 0 when unknown.
return once(ARGV[1], function()
  if redis.call('HEXISTS', KEYS[1], ARGV[2]) == 0 then return 0 end
  dropTrigger(ARGV[1], ARGV[2])
  if ARGV[3] ~= '' then redis.call('SREM', ARGV[1] .. 'app:' .. ARGV[3] .. ':declared', ARGV[2]) end
  return 1
end)
