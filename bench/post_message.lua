-- wrk script: durable message posts (POST /v1/vehicles/{id}/messages) for bench/fanout_bench.sh.
--
--   PADDOCK_TOKEN=... PADDOCK_VEHICLE=veh_... wrk -t2 -c64 -d10s --latency \
--     -s bench/post_message.lua http://127.0.0.1:PORT
--
-- Paddock answers 201 only after the message is committed, so 2xx responses per second are
-- durable posts per second.

local dir = string.match(debug.getinfo(1, "S").source, "^@(.*/)") or "./"
dofile(dir .. "report.lua")

local token = os.getenv("PADDOCK_TOKEN")
local vehicle = os.getenv("PADDOCK_VEHICLE")
if token == nil or token == "" or vehicle == nil or vehicle == "" then
  error("post_message.lua: set PADDOCK_TOKEN (the owner's bearer token) and PADDOCK_VEHICLE")
end

wrk.method = "POST"
wrk.path = "/v1/vehicles/" .. vehicle .. "/messages"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.body = '{"type":"status","text":"durable post benchmark: vehicle status update"}'

function response(status, headers, body)
  count_status(status, body)
end
