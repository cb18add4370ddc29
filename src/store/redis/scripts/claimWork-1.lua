--- @include "base"
--- @include "claim"
-- Assigns up to ARGV[3] queued invocations of the given tasks to a worker (see
-- includes/claim.lua). The other keys it touches derive from the key base.
--
-- KEYS[1] queues (declared so that Redis Cluster routes the call; see keys.ts)
-- ARGV[1] key base  [2] worker id  [3] max  [4] now  [5] n = number of tasks
-- ARGV[6 .. 5+n] task ids, in the order to try them
-- ARGV[6+n .. 5+2n] "1" when PENDING is watched for the task at the same position
local tasks, watched = claimArgs(5)
return claim(ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], tasks, watched)
