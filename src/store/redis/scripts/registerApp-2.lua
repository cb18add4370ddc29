--- @include "base"
--- @include "once"
-- Upserts an app's tasks and replaces its declared triggers: new ones are added
-- (existing ones keep their state), the ones not declared any more are deleted
-- with everything kept for them. Each change moves the registry version. An app
-- awaited after a loss of the data (see openDataSet-2.lua) is awaited no more.
--
-- KEYS[1] tasks  KEYS[2] triggers
-- ARGV[1] key base  [2] app id  [3] n tasks, then n pairs (task id, Task JSON)
-- then the number of triggers m, then m pairs (trigger id, Trigger JSON), then the request id
-- (see includes/once.lua)
-- Returns the ids of the removed triggers.
local P = ARGV[1]
return once(P, function()
  local at = 4
  for _ = 1, tonumber(ARGV[3]) do
    redis.call('HSET', KEYS[1], ARGV[at], ARGV[at + 1])
    at = at + 2
  end
  local count = tonumber(ARGV[at])
  at = at + 1
  local keep = {}
  local declared = P .. 'app:' .. ARGV[2] .. ':declared'
  local ids = {}
  for _ = 1, count do
    local id, json = ARGV[at], ARGV[at + 1]
    at = at + 2
    keep[id] = true
    ids[#ids + 1] = id
    if redis.call('HSETNX', KEYS[2], id, json) == 1 then notifyRegistry(P, 't', id) end
  end
  local removed = {}
  for _, id in ipairs(redis.call('SMEMBERS', declared)) do
    if not keep[id] then
      dropTrigger(P, id)
      removed[#removed + 1] = id
    end
  end
  redis.call('DEL', declared)
  if #ids > 0 then redis.call('SADD', declared, unpack(ids)) end
  redis.call('SREM', P .. 'awaiting', ARGV[2])
  notifyRegistry(P, 'a', ARGV[2])
  return removed
end)
