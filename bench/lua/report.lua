-- Shared by every bench script (loaded with dofile; wrk runs with bench/lua as its working directory).
-- setup() numbers the threads; done() prints "BENCH <key> <value>" lines that bench/common.py parses.

threads = {}

function setup(thread)
   thread:set("tid", #threads)
   table.insert(threads, thread)
end

function done(summary, latency, requests)
   local function put(key, value)
      io.write(string.format("BENCH %s %s\n", key, tostring(value)))
   end
   put("requests", summary.requests)
   put("duration_us", summary.duration)
   put("bytes", summary.bytes)
   put("errors_status", summary.errors.status)
   put("errors_connect", summary.errors.connect)
   put("errors_read", summary.errors.read)
   put("errors_write", summary.errors.write)
   put("errors_timeout", summary.errors.timeout)
   put("latency_mean_us", latency.mean)
   put("latency_max_us", latency.max)
   for _, p in ipairs({ 50, 90, 99 }) do
      put("latency_p" .. p .. "_us", latency:percentile(p))
   end
   -- per-thread counters a script may keep (e.g. how often a list of work wrapped around)
   local pool, wrapped = 0, 0
   for _, thread in ipairs(threads) do
      pool = pool + (tonumber(thread:get("pool")) or 0)
      wrapped = wrapped + (tonumber(thread:get("wrapped")) or 0)
   end
   put("pool", pool)
   put("wrapped", wrapped)
end
