--- @include "base"
--- @include "request"
--- @include "claim"
--- @include "finish"
-- Ends attempts, several in one step (results that arrived together): each as
-- finishOne (includes/finish.lua) says, if its assignment is still current and held
-- by the worker sending it (another worker's result changes nothing). Then refills
-- each sender's credit: claims up to its "claim" count of queued invocations of its
-- tasks for its connection, so one round trip carries the results and brings the
-- next work. Result n of the call records "<request id>:<n>" in its invocation
-- ("freq"), and each invocation its refill assigns records it too ("creq", see
-- includes/claim.lua): a re-run (see scripts.ts) finds it and answers as the first
-- run did, with the claimed assignments the worker still holds, claiming nothing
-- more. A stale result changes nothing, so only its refill needs recognising.
-- Nothing is kept per call.
--
-- KEYS[1] finished  KEYS[2] delayed
-- ARGV[1] key base  [2] finished invocations kept  [3] the replica's consumer for
--   occurrences this call logs ("" none: see takeLogged)  [4] n results, then per result
--   13 values: assignment id, status, result or error JSON, retry due time (RETRY), now,
--   "1" when the status is watched, worker id (the sender), how many to claim (0: none),
--   when the attempt started if not recorded yet (""), "1" when RUNNING is watched,
--   the sender's session id, its task ids (comma-separated), "1"/"0" per task (PENDING watched);
--   then the request id (see includes/request.lua)
-- Returns {per result {1 applied / 0 stale or foreign, the claimed assignments as
--   claim() lists them}, ..., the log entries handed to ARGV[3] (see takeLogged)}.
local P = ARGV[1]
local request = requestId()
local kept = tonumber(ARGV[2])
local out = {}

local function split(list)
  local items = {}
  for item in string.gmatch(list, '[^,]+') do items[#items + 1] = item end
  return items
end

local function resultAt(n)
  local at = 5 + (n - 1) * 13
  return {
    asg = ARGV[at], status = ARGV[at + 1], payload = ARGV[at + 2], retryAt = ARGV[at + 3], now = ARGV[at + 4],
    watched = ARGV[at + 5], worker = ARGV[at + 6], claim = tonumber(ARGV[at + 7]), startedAt = ARGV[at + 8],
    runningWatched = ARGV[at + 9], session = ARGV[at + 10], tasks = split(ARGV[at + 11]),
    pendingWatched = split(ARGV[at + 12]),
  }
end

reserveSeq(P, tonumber(ARGV[4]))
for n = 1, tonumber(ARGV[4]) do
  local r = resultAt(n)
  local own = request .. ':' .. n
  local applied = finishOne(P, KEYS[1], KEYS[2], kept, r, own)
  local claimed = {}
  if applied == 'rerun' then
    out[n] = {1, claimedBefore(P, r.worker, own)}
  else
    if r.claim > 0 then
      -- A stale result's re-run: only the refill could have changed something.
      if applied == 0 then claimed = claimedBefore(P, r.worker, own) end
      if #claimed == 0 then
        claimed = claim(P, r.worker, r.session, r.claim, r.now, r.tasks, r.pendingWatched, own)
      end
    end
    out[n] = {applied, claimed}
  end
end
out[#out + 1] = takeLogged(P, ARGV[3])
return out
