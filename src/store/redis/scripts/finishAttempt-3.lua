--- @include "base"
--- @include "request"
--- @include "claim"
-- Ends an attempt if the assignment is still current and held by the worker sending
-- the result (ARGV[9]; another worker's result changes nothing): SUCCESS (with the result),
-- FAILED (final, with the error) or RETRY (with the error, due again at ARGV[5]).
-- A final status enters the retention index; beyond the limit the oldest finished
-- invocations are dropped (two at most per call).
-- Then refills the worker's credit: claims up to ARGV[10] queued invocations of its
-- tasks for its connection ARGV[13], so one round trip carries the result and brings
-- the next work. Applying the result records the request id in the invocation's
-- hash ("freq"), and each invocation the refill assigns records it too ("creq", see
-- includes/claim.lua): a re-run (see scripts.ts) that finds it answers as the first
-- run did, with the claimed assignments the worker still holds, and claims nothing
-- more. A stale result changes nothing, so only its refill needs recognising.
-- Nothing is kept per call.
--
-- KEYS[1] inv:<id>  KEYS[2] finished  KEYS[3] delayed
-- ARGV[1] key base  [2] assignment id  [3] status  [4] result JSON (SUCCESS) or error JSON
-- ARGV[5] retry due time (RETRY)  [6] now  [7] "1" when the status is watched
-- ARGV[8] finished invocations kept  [9] worker id (the sender)  [10] how many to claim (0: none)
-- ARGV[11] when the attempt started, if that is not recorded yet ("" otherwise: RUNNING
--          is then recorded first, so a quick task costs one step)  [12] "1" when RUNNING is watched
-- ARGV[13] session id of the sender's connection (refill claims for it)
-- ARGV[14] the replica's consumer for occurrences this call logs ("" none: see takeLogged)
-- ARGV[15] n tasks, then n task ids, then n "1"/"0" (PENDING watched), as claimWork takes them,
-- then the request id (see includes/request.lua)
-- Returns {1 applied / 0 stale or foreign assignment, the claimed assignments as claim() lists them,
--   the log entries handed to ARGV[14] (see takeLogged)}.
local P = ARGV[1]
local request = requestId()
local cur = redis.call('HMGET', KEYS[1], 'asg', 'status', 'id', 'worker', 'version', 'freq', 'task', 'trg', 'ikey')

-- The start not recorded yet: logged when watched (the RUNNING state is then
-- written first), otherwise only counted and announced. Returns the version.
local function recordStart(version)
  if ARGV[12] == '1' then
    return transition(P, KEYS[1], cur[3], 'RUNNING', ARGV[11], ARGV[12], version)
  end
  announceStatus(P, cur[3], 'RUNNING')
  return tonumber(version) + 1
end

local function finish()
  if cur[1] ~= ARGV[2] or cur[4] ~= ARGV[9] or (cur[2] ~= 'PENDING' and cur[2] ~= 'RUNNING') then
    return 0
  end
  local version = cur[5]
  if ARGV[11] ~= '' and cur[2] == 'PENDING' then version = recordStart(version) end
  redis.call('SREM', P .. 'worker:' .. cur[4], ARGV[2])
  redis.call('HDEL', KEYS[1], 'asg', 'worker', 'asgAt', 'creq')
  local fields = {ARGV[3] == 'SUCCESS' and 'result' or 'error', ARGV[4], 'freq', request}
  if ARGV[3] == 'RETRY' then
    fields[#fields + 1] = 'retryAt'
    fields[#fields + 1] = ARGV[5]
    redis.call('ZADD', KEYS[3], ARGV[5], cur[3])
  end
  transition(P, KEYS[1], cur[3], ARGV[3], ARGV[6], ARGV[7], version, fields)
  if ARGV[3] ~= 'RETRY' then
    redis.call('ZADD', KEYS[2], redis.call('INCR', P .. 'seq'), finishedEntry(cur[3], cur[7], cur[8], cur[9]))
    local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[8])
    if excess > 0 then
      local oldest = redis.call('ZPOPMIN', KEYS[2], math.min(excess, 2))
      for i = 1, #oldest, 2 do dropInvocation(P, oldest[i]) end
    end
  end
  return 1
end

-- A re-run of a call that applied the result: answer as it did, claim nothing more.
if cur[6] == request then
  return {1, claimedBefore(P, ARGV[9], request), {}}
end
local applied = finish()
local claimed = {}
if tonumber(ARGV[10]) > 0 then
  -- A stale result's re-run: only the refill could have changed something.
  if applied == 0 then
    claimed = claimedBefore(P, ARGV[9], request)
    if #claimed > 0 then return {0, claimed, {}} end
  end
  local tasks, watched = claimArgs(15)
  claimed = claim(P, ARGV[9], ARGV[13], tonumber(ARGV[10]), ARGV[6], tasks, watched, request)
end
return {applied, claimed, takeLogged(P, ARGV[14])}
