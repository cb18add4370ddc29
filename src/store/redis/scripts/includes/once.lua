-- Calls that ioredis re-sends after a connection dropped before their reply (see
-- scripts.ts) run again with the same KEYS and ARGV. A script that cannot tell a
-- re-run from the records it changes includes this file: the runner then appends a
-- request id, new for every call, as the last ARGV, and the script remembers its
-- reply under req:<request id> for REQUEST_TTL_MS, so that a re-run answers with
-- the first run's reply instead of acting again. A key per call: only for rare
-- calls (connections, cron slots, deferrals, app and trigger changes). Claims and
-- results record their request id in the invocations instead (includes/request.lua).
local REQUEST_TTL_MS = 60000

local function requestKey(P)
  return P .. 'req:' .. ARGV[#ARGV]
end

-- The value the first run with this request id remembered, or false.
local function remembered(P)
  return redis.call('GET', requestKey(P))
end

local function remember(P, value)
  redis.call('SET', requestKey(P), value, 'PX', REQUEST_TTL_MS)
end

-- Runs `act` once per request id; a re-run returns the first run's reply (kept as
-- cjson text: strings, integers, false and arrays of them survive the round trip).
local function once(P, act)
  local first = remembered(P)
  if first then return cjson.decode(first) end
  local reply = act()
  remember(P, cjson.encode(reply))
  return reply
end
