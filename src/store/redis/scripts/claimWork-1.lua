--- @include "base"
--- @include "once"
--- @include "claim"
-- Assigns up to ARGV[4] queued invocations of the given tasks to a worker (see
-- includes/claim.lua). The other keys it touches derive from the key base.
-- A claim that made assignments remembers their ids under its request id: a re-run
-- (see includes/once.lua) answers with those the worker still holds and claims
-- nothing more, so no batch is left PENDING under a worker that never heard of it.
-- An empty claim remembers nothing: a re-run claims afresh, and its reply is the one
-- the caller gets.
--
-- KEYS[1] queues (declared so that Redis Cluster routes the call; see keys.ts)
-- ARGV[1] key base  [2] worker id  [3] session id of the connection claiming  [4] max  [5] now
-- ARGV[6] n = number of tasks  [7 .. 6+n] task ids, in the order to try them
-- ARGV[7+n .. 6+2n] "1" when PENDING is watched for the task at the same position
-- ARGV[7+2n] request id
local P = ARGV[1]
local first = remembered(P)
if first then return stillHeld(P, ARGV[2], cjson.decode(first)) end
local tasks, watched = claimArgs(6)
local out = claim(P, ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5], tasks, watched)
if #out > 0 then remember(P, cjson.encode(assignmentIds(out))) end
return out
