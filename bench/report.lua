-- Shared wrk reporting for bench/http_bench.sh.
--
-- Used directly (`wrk -s bench/report.lua ...`) for the GET benchmarks, and loaded by
-- register_device.lua. At the end of a run it prints one machine-readable line:
--   BENCH requests=N duration_s=S ok=N non2xx=N rps=R ok_rps=R p50_ms=X p99_ms=X socket_errors=N
-- `ok` counts 2xx responses. When a script defines response() and calls count_status() from it
-- (register_device.lua does unless BENCH_EXACT_STATUS=0), the 2xx/non-2xx split is exact and the first
-- non-2xx response is printed as FIRST_ERROR; otherwise wrk's own count of responses with
-- status >= 400 is used (wrk counts 3xx as successes).

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

-- Per-thread counters, filled by count_status() (only called when a response() callback exists).
ok_count = 0
bad_count = 0
first_error = nil

function count_status(status, body)
  if status >= 200 and status < 300 then
    ok_count = ok_count + 1
  else
    bad_count = bad_count + 1
    if first_error == nil then
      first_error = tostring(status) .. " " .. string.sub(body or "", 1, 300)
    end
  end
end

function done(summary, latency, requests)
  local ok, bad, exact, err = 0, 0, false, nil
  for _, t in ipairs(threads) do
    local o, b = t:get("ok_count"), t:get("bad_count")
    if (o or 0) + (b or 0) > 0 then
      exact = true
      ok = ok + o
      bad = bad + b
      err = err or t:get("first_error")
    end
  end
  if not exact then
    bad = summary.errors.status
    ok = summary.requests - bad
  end
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_s=%.3f ok=%d non2xx=%d rps=%.1f ok_rps=%.1f p50_ms=%.3f p99_ms=%.3f socket_errors=%d\n",
    summary.requests, secs, ok, bad, summary.requests / secs, ok / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.timeout))
  if err then
    io.write("FIRST_ERROR " .. string.gsub(err, "\n", " ") .. "\n")
  end
end
