-- wrk script: credential issuance (POST /v1/key-shares/{id}/accept) for
-- bench/issuance_bench.py. Each thread replays its own prepared accepts from
-- BENCH_OUT/accept.<thread> (one "PATH<TAB>BODY" line each: a share, its device and the device's
-- signature over a fresh challenge), each at most once, for the run's duration. A 2xx is one
-- credential verified, signed and committed. A thread that runs out of prepared accepts sends
-- uncounted GET /healthz instead and the run prints EXHAUSTED: its rate is then a lower bound.

local dir = string.match(debug.getinfo(1, "S").source, "^@(.*/)") or "./"
dofile(dir .. "report.lua")

local token = os.getenv("PADDOCK_TOKEN")
if token == nil or token == "" then error("key_accept.lua: set PADDOCK_TOKEN") end

local report_setup = setup
local accept_threads = {}
function setup(thread)
  report_setup(thread)
  table.insert(accept_threads, thread)
  thread:set("tid", #accept_threads)
end

local lines = {}
local sent = 0
exhausted = 0
local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}

function init(args)
  local file = assert(io.open(os.getenv("BENCH_OUT") .. "/accept." .. tid, "r"))
  for line in file:lines() do
    local path, body = string.match(line, "^([^\t]+)\t(.*)$")
    if path then lines[#lines + 1] = {path, body} end
  end
  file:close()
end

function request()
  sent = sent + 1
  local item = lines[sent]
  if item == nil then
    exhausted = 1
    return wrk.format("GET", "/healthz")
  end
  return wrk.format("POST", item[1], headers, item[2])
end

function response(status, headers, body)
  if status == 200 and string.sub(body, 1, 15) == '{"status":"ok"}' then return end
  count_status(status, body)
end

local report_done = done
function done(summary, latency, requests)
  report_done(summary, latency, requests)
  for _, t in ipairs(accept_threads) do
    if t:get("exhausted") == 1 then
      io.write("EXHAUSTED a thread used up its prepared accepts: the rate is a lower bound\n")
      break
    end
  end
end
