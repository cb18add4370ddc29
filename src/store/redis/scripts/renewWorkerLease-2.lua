-- Renews a worker's lease, if the renewing connection is its current one, or it has
-- none (its lease ended and was released: the connection becomes current again).
-- A re-run (see scripts.ts) sets the same deadline again, or acts as a late renewal.
--
-- KEYS[1] workers (lease deadlines)  KEYS[2] sessions
-- ARGV[1] key base  [2] worker id  [3] session id  [4] lease deadline
-- Returns 1 when renewed, 0 when a newer connection of the worker took over.
local current = redis.call('HGET', KEYS[2], ARGV[2])
if current and current ~= ARGV[3] then return 0 end
if not current then redis.call('HSET', KEYS[2], ARGV[2], ARGV[3]) end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[2])
return 1
