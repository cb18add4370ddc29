--- @include "base"
--- @include "request"
--- @include "claim"
-- Assigns up to ARGV[4] queued invocations of the given tasks to a worker (see
-- includes/claim.lua). The other keys it touches derive from the key base.
-- Each assigned invocation records this call's request id: a re-run (see
-- scripts.ts) finds the worker holding assignments with it and answers with those,
-- claiming nothing more, so no batch is left PENDING under a worker that never
-- heard of it. A claim that made no assignment leaves no trace: a re-run claims
-- afresh, and its reply is the one the caller gets. Nothing is kept per call.
--
-- KEYS[1] queues (declared so that Redis Cluster routes the call; see keys.ts)
-- ARGV[1] key base  [2] worker id  [3] session id of the connection claiming  [4] max  [5] now
-- ARGV[6] n = number of tasks  [7 .. 6+n] task ids, in the order to try them
-- ARGV[7+n .. 6+2n] "1" when PENDING is watched for the task at the same position
-- ARGV[7+2n] request id (see includes/request.lua)
local P = ARGV[1]
local before = claimedBefore(P, ARGV[2], requestId())
if #before > 0 then return before end
local tasks, watched = claimArgs(6)
return claim(P, ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5], tasks, watched, requestId())
