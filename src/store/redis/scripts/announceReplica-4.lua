-- Announces an orchestrator replica and lists the live ones with the registry
-- version, the data set's identity and the number of apps awaited after a loss
-- (see openDataSet-2.lua): the one call of a replica's maintenance sweep. A replica not seen for
-- ARGV[6] ms before ARGV[5] (or whose entry is not "<seen> <through>") is forgotten.
-- Safe to run twice: an announcement older than the stored one changes nothing,
-- so a re-sent call never moves a replica back, and forgets nobody more (if the
-- first reply was lost, what the replicas it forgot held is reclaimed once idle).
--
-- KEYS[1] replicas  KEYS[2] registry  KEYS[3] dataset  KEYS[4] awaiting
-- ARGV[1] key base  [2] replica id  [3] seen at (ms)  [4] cron claimed through (ms)
--   [5] live since (ms): replicas seen earlier are not listed  [6] forget after (ms)
-- Returns { registry version, data set identity ("" when none), apps awaited,
--   unfinished invocations, n replicas forgotten by this call, their ids,
--   then per live replica: id, seen at, cron claimed through }.
local id, seenAt = ARGV[2], tonumber(ARGV[3])
local stored = redis.call('HGET', KEYS[1], id)
local storedAt = stored and tonumber(string.match(stored, '^(%-?%d+) '))
if not storedAt or storedAt <= seenAt then
  redis.call('HSET', KEYS[1], id, ARGV[3] .. ' ' .. ARGV[4])
end
local liveSince = tonumber(ARGV[5])
local forgetBefore = liveSince - tonumber(ARGV[6])
local result = {
  redis.call('GET', KEYS[2]) or '0',
  redis.call('GET', KEYS[3]) or '',
  redis.call('SCARD', KEYS[4]),
  redis.call('GET', ARGV[1] .. 'active') or '0',
}
local live, forgotten = {}, {}
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local seen, through = string.match(all[i + 1], '^(%-?%d+) (%-?%d+)$')
  if seen and tonumber(seen) >= liveSince then
    live[#live + 1] = all[i]
    live[#live + 1] = seen
    live[#live + 1] = through
  elseif not seen or tonumber(seen) < forgetBefore then
    redis.call('HDEL', KEYS[1], all[i])
    forgotten[#forgotten + 1] = all[i]
  end
end
result[#result + 1] = #forgotten
for _, id in ipairs(forgotten) do result[#result + 1] = id end
for _, value in ipairs(live) do result[#result + 1] = value end
return result
