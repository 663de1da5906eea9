-- wrk's script for the benchmarks (test/bench/support.mjs, ADR-0048): the request's method and
-- body from the environment (every request the same; a POST without an id adds a new favourite
-- each time), and one line of JSON at the end that support.mjs reads instead of wrk's text report.
-- Latencies are wrk's, in microseconds.
wrk.method = os.getenv("WRK_METHOD") or "GET"
local body = os.getenv("WRK_BODY")
if body ~= nil and body ~= "" then wrk.body = body end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"durationMicros":%d,"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},'
      .. '"non2xx":%d,"p50Micros":%d,"p99Micros":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
end
