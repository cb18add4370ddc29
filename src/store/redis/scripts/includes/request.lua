-- A script that includes this file (or "once") gets a request id from the runner
-- as its last ARGV: new for every call, the same in a re-send of that call by
-- ioredis (see scripts.ts). The claims and results record it in the invocation
-- hashes they change, so a re-run recognises its own work with no key of its own.
local function requestId()
  return ARGV[#ARGV]
end
