-- wrk script: durable device registrations (POST /v1/devices) for bench/http_bench.sh.
--
--   PADDOCK_TOKEN=... wrk -t2 -c64 -d10s --latency -s bench/register_device.lua http://127.0.0.1:PORT
--
-- Every 201 is sent only after the row is committed, so 2xx responses per second = durable writes/s.
-- Statuses are counted exactly unless BENCH_EXACT_STATUS=0 (see the end of this file).
-- The public key is RFC 8032 test vector 1 (a valid Ed25519 key, 43 chars of base64url); the
-- contract does not require keys to be unique, so every request can use the same body.

local dir = string.match(debug.getinfo(1, "S").source, "^@(.*/)") or "./"
dofile(dir .. "report.lua")

local token = os.getenv("PADDOCK_TOKEN")
if token == nil or token == "" then
  error("register_device.lua: set PADDOCK_TOKEN to a bearer token")
end

wrk.method = "POST"
wrk.path = "/v1/devices"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.body = '{"name":"bench","kind":"phone",'
  .. '"public_key":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","primary":false}'

-- Every status is counted in Lua and the first error body kept. A Lua call per response takes a
-- little CPU from the server on small machines (about 2 % of the write rate measured on 2 cores);
-- BENCH_EXACT_STATUS=0 skips it and falls back to wrk's own count of statuses >= 400.
if os.getenv("BENCH_EXACT_STATUS") ~= "0" then
  function response(status, headers, body)
    count_status(status, body)
  end
end
