-- A replica went away (retired, or forgotten as dead): the entries its consumer
-- still holds move to the group's "released" consumer with an idle time far past
-- any reclaim delay, so the next reclaimIdle scan of any replica hands them out
-- again at once (their delivery counted then, not here: JUSTID). The consumer is
-- then deleted (deleting one that holds entries would drop them; it holds none
-- now). A re-run (see scripts.ts) finds nothing held and no consumer: harmless.
--
-- KEYS[1] the stream (occ or defer:<app>)
-- ARGV[1] key base  [2] consumer group  [3] the consumer gone  [4] the holding consumer
-- ARGV[5] idle time to give them (ms; less than the epoch time, which Redis requires)
-- Returns how many entries were released.
local ok, pending = pcall(redis.call, 'XPENDING', KEYS[1], ARGV[2], '-', '+', 100000, ARGV[3])
if not ok then return 0 end -- no stream or no group yet
-- In chunks: unpack() of thousands of values would overflow the Lua stack.
for from = 1, #pending, 500 do
  local call = {'XCLAIM', KEYS[1], ARGV[2], ARGV[4], 0}
  for i = from, math.min(from + 499, #pending) do call[#call + 1] = pending[i][1] end
  call[#call + 1] = 'IDLE'
  call[#call + 1] = ARGV[5]
  call[#call + 1] = 'JUSTID'
  redis.call(unpack(call))
end
if #pending < 100000 then redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[2], ARGV[3]) end
return #pending
