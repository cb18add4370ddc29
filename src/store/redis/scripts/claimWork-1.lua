--- @include "base"
--- @include "claim"
-- Assigns up to ARGV[3] queued invocations of the given tasks to a worker (see
-- includes/claim.lua). The other keys it touches derive from the key base.
--
-- KEYS[1] queues (declared so that Redis Cluster routes the call; see keys.ts)
-- ARGV[1] key base  [2] worker id  [3] session id of the connection claiming  [4] max  [5] now
-- ARGV[6] n = number of tasks  [7 .. 6+n] task ids, in the order to try them
-- ARGV[7+n .. 6+2n] "1" when PENDING is watched for the task at the same position
local tasks, watched = claimArgs(6)
return claim(ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5], tasks, watched)
