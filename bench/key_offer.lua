-- wrk script: durable key offers (POST /v1/vehicles/{id}/key-shares) for
-- bench/issuance_bench.py. Every 201 is sent after the share is committed; the id of each is
-- written to BENCH_OUT/offers.<thread> so that the next phase can verify and accept them.
--
--   PADDOCK_TOKEN=... BENCH_VEHICLE=... BENCH_RECIPIENT=... BENCH_DEVICE=... BENCH_OUT=DIR \
--     wrk -t2 -c32 -d5s --latency -s bench/key_offer.lua http://127.0.0.1:PORT

local dir = string.match(debug.getinfo(1, "S").source, "^@(.*/)") or "./"
dofile(dir .. "report.lua")

local function env(name)
  local v = os.getenv(name)
  if v == nil or v == "" then error("key_offer.lua: set " .. name) end
  return v
end

local report_setup = setup
local thread_count = 0
function setup(thread)
  report_setup(thread)
  thread_count = thread_count + 1
  thread:set("tid", thread_count)
end

wrk.method = "POST"
wrk.path = "/v1/vehicles/" .. env("BENCH_VEHICLE") .. "/key-shares"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. env("PADDOCK_TOKEN")
wrk.body = '{"task":"delivery","recipient":{"username":"' .. env("BENCH_RECIPIENT") .. '"},'
  .. '"device_id":"' .. env("BENCH_DEVICE") .. '","note":"bench"}'

local out
function init(args)
  out = assert(io.open(env("BENCH_OUT") .. "/offers." .. tid, "w"))
end

function response(status, headers, body)
  count_status(status, body)
  if status == 201 then
    local id = string.match(body, '"id":"([^"]+)"')
    if id then out:write(id, "\n") end
  end
end
