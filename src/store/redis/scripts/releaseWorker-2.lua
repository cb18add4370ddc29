--- @include "base"
-- Puts a worker's assignments back in their queues (REGISTERED). With ARGV[4] = "1",
-- only the assignments listed after it, and the worker's lease stays.
--
-- KEYS[1] worker:<id>  KEYS[2] workers (lease deadlines)
-- ARGV[1] key base  [2] worker id  [3] now  [4] "1" for only the listed  [5..] assignment ids
-- Returns the released invocation ids.
local P = ARGV[1]
local list
if ARGV[4] == '1' then
  list = {}
  for i = 5, #ARGV do list[#list + 1] = ARGV[i] end
else
  list = redis.call('SMEMBERS', KEYS[1])
end
local released = {}
for _, asg in ipairs(list) do
  local invId = releaseAssignment(P, asg, ARGV[3])
  if invId then released[#released + 1] = invId end
end
if ARGV[4] ~= '1' then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], ARGV[2])
end
return released
