-- Deletes the consumers of a stream's group that hold no entry and have been idle
-- for at least ARGV[3] ms: replicas that died leave their (random) consumer names
-- behind. Checked and deleted in one script, because deleting a consumer drops
-- the entries it holds: none can be handed to it in between. A live consumer
-- deleted by mistake costs nothing; its next read creates it again. A re-run (see
-- scripts.ts) finds nothing more to delete.
--
-- KEYS[1] the stream (occ or defer:<app>)
-- ARGV[1] key base  [2] consumer group  [3] minimum idle ms
-- Returns the names of the deleted consumers.
local ok, consumers = pcall(redis.call, 'XINFO', 'CONSUMERS', KEYS[1], ARGV[2])
if not ok then return {} end -- no stream or no group yet
local forgotten = {}
for _, fields in ipairs(consumers) do
  local info = {}
  for i = 1, #fields, 2 do info[fields[i]] = fields[i + 1] end
  if info.pending == 0 and info.idle >= tonumber(ARGV[3]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[2], info.name)
    forgotten[#forgotten + 1] = info.name
  end
end
return forgotten
