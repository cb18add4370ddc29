--- @include "base"
-- Settles evaluated occurrences in one step: acknowledges and deletes the entries,
-- then prepends the evaluation records to their triggers' histories (keeping the
-- newest ARGV[2]; records of deleted triggers are dropped). No entries: the records
-- alone, as recordEvaluations uses it; no records: a plain ack. When entries are
-- given and none of them was still unacknowledged, the records are not written:
-- this is a re-run (see scripts.ts), or another replica settled them already.
--
-- KEYS[1] triggers  KEYS[2] the stream: the occurrence log, or defer:<app> for a deferred evaluation
-- ARGV[1] key base  [2] records kept per trigger  [3] consumer group
-- ARGV[4] n records, then n pairs (trigger id, Evaluation JSON), then the entry ids
local kept = tonumber(ARGV[2])
local firstId = 5 + 2 * tonumber(ARGV[4])
local acked = 0
-- In chunks: unpack() of thousands of values would overflow the Lua stack.
for from = firstId, #ARGV, 500 do
  local ids = {}
  for i = from, math.min(from + 499, #ARGV) do ids[#ids + 1] = ARGV[i] end
  acked = acked + redis.call('XACK', KEYS[2], ARGV[3], unpack(ids))
  redis.call('XDEL', KEYS[2], unpack(ids))
end
if firstId <= #ARGV and acked == 0 then return 0 end
for i = 5, firstId - 1, 2 do
  if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 1 then
    pushCapped(ARGV[1] .. 'evals:' .. ARGV[i], ARGV[i + 1], kept)
  end
end
return 1
