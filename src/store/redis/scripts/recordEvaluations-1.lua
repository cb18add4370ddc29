-- Prepends evaluation records to their triggers' histories, keeping the newest
-- ARGV[2]; records of deleted triggers are dropped.
--
-- KEYS[1] triggers
-- ARGV[1] key base  [2] records kept per trigger, then pairs (trigger id, Evaluation JSON)
local kept = tonumber(ARGV[2])
for i = 3, #ARGV, 2 do
  if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 1 then
    local list = ARGV[1] .. 'evals:' .. ARGV[i]
    redis.call('LPUSH', list, ARGV[i + 1])
    redis.call('LTRIM', list, 0, kept - 1)
  end
end
return 1
