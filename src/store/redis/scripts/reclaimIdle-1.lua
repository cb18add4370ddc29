-- Takes over entries of a consumer group that their consumer has held without an
-- acknowledgement for at least ARGV[4] ms (a crashed replica, or an evaluation
-- that failed), scanning the pending list from a cursor: each call goes on where
-- the last one stopped, so idle entries deep in the list are reached even when
-- busy ones come first. Returns each entry with its delivery count (this delivery
-- included), which the engine caps. A re-run (see scripts.ts) finds the entries the
-- first run took busy: they are handed out again once idle, their delivery counted.
--
-- KEYS[1] the stream (occ or defer:<app>)
-- ARGV[1] key base  [2] consumer group  [3] consumer taking them over  [4] minimum idle ms
-- ARGV[5] cursor ("0-0": from the start)  [6] entries to take at most
-- Returns {next cursor ("0-0" once the whole list was scanned), {id, fields, deliveries}...}
local claimed = redis.call('XAUTOCLAIM', KEYS[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], 'COUNT', ARGV[6])
local out = {}
for _, entry in ipairs(claimed[2]) do
  -- An entry deleted from the stream has no fields (Redis 6.2; Redis 7 drops it from the list).
  if entry[2] then
    local pending = redis.call('XPENDING', KEYS[1], ARGV[2], entry[1], entry[1], 1)
    out[#out + 1] = {entry[1], entry[2], pending[1][4]}
  end
end
return {claimed[1], out}
