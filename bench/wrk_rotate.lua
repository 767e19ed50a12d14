-- wrk script of bench/ogc_vs_tipg.py: every request takes the next path of a list (one per
-- line, file given after "--"), so all servers get the same sequence of boxes and tiles;
-- at the end one JSON line with the figures (prefixed "WRK_JSON ") for the caller to read.

local paths = {}
local n = 0
local i = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  local file = assert(io.open(args[1], "r"))
  for line in file:lines() do
    if #line > 0 then
      n = n + 1
      paths[n] = line
    end
  end
  file:close()
  -- thread k of t starts at its own, fixed place of the list: the same sequence every run
  local t = tonumber(args[2] or "1")
  i = math.floor((tid - 1) * n / t)
end

function request()
  i = i % n + 1
  return wrk.format("GET", paths[i])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"mean": %.1f, "p50": %d, "p90": %d, "p99": %d, "p999": %d, "max": %d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max))
end
