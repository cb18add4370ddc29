-- Restarts the idle time of entries a consumer still holds: their evaluation is
-- still running on its replica, so reclaimIdle must not hand them out again.
-- XCLAIM to the same consumer with min-idle 0 and JUSTID resets the idle time and
-- counts no delivery. Entries acknowledged meanwhile, or held by another consumer
-- (reclaimIdle gave them to it), are left alone: XPENDING filtered by the consumer
-- finds only its own. A re-run (see scripts.ts) resets the idle time again: harmless.
--
-- KEYS[1] the stream (occ or defer:<app>)
-- ARGV[1] key base  [2] consumer group  [3] consumer holding them  [4..] entry ids
-- Returns how many entries were kept.
local owned = {}
for i = 4, #ARGV do
  if #redis.call('XPENDING', KEYS[1], ARGV[2], ARGV[i], ARGV[i], 1, ARGV[3]) > 0 then
    owned[#owned + 1] = ARGV[i]
  end
end
-- In chunks: unpack() of thousands of values would overflow the Lua stack. JUSTID
-- follows the ids, so each call's arguments are built as one list.
for from = 1, #owned, 500 do
  local call = {'XCLAIM', KEYS[1], ARGV[2], ARGV[3], 0}
  for i = from, math.min(from + 499, #owned) do call[#call + 1] = owned[i] end
  call[#call + 1] = 'JUSTID'
  redis.call(unpack(call))
end
return #owned
