--- @include "once"
-- Queues a trigger evaluation for the replicas that host workers of its app.
--
-- KEYS[1] defer:<app>
-- ARGV[1] key base  [2] trigger id  [3] occurrence JSON  [4] request id (see includes/once.lua)
-- Returns the entry id.
return once(ARGV[1], function()
  if redis.call('SADD', ARGV[1] .. 'deferred', KEYS[1]) == 1 then
    pcall(redis.call, 'XGROUP', 'CREATE', KEYS[1], 'engine', '0', 'MKSTREAM')
  end
  return redis.call('XADD', KEYS[1], '*', 'trg', ARGV[2], 'j', ARGV[3])
end)
