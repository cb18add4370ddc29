--- @include "base"
-- PENDING → RUNNING, if the assignment is still the invocation's current one and the
-- worker reporting the start holds it. A re-run of this very call (RUNNING under that
-- assignment since ARGV[3]; see scripts.ts) answers 1 again and changes nothing.
--
-- KEYS[1] inv:<id>
-- ARGV[1] key base  [2] assignment id  [3] now  [4] "1" when RUNNING is watched  [5] worker id
-- Returns 1 when applied, 0 for a stale or foreign assignment.
local cur = redis.call('HMGET', KEYS[1], 'asg', 'status', 'id', 'worker', 'updated', 'version')
if cur[1] == ARGV[2] and cur[4] == ARGV[5] and cur[2] == 'RUNNING' and cur[5] == ARGV[3] then return 1 end
if cur[1] ~= ARGV[2] or cur[4] ~= ARGV[5] or cur[2] ~= 'PENDING' then return 0 end
transition(ARGV[1], KEYS[1], cur[3], 'RUNNING', ARGV[3], ARGV[4], cur[6])
return 1
