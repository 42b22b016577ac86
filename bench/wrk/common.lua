-- Shared by the bench's wrk scripts: per-thread numbering and the summary the bench reads.
-- Settings come from the environment (set by bench/bench.ts), never from arguments.

threads = {}
thread_no = 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_no", #threads)
end

-- The run's figures as JSON in BENCH_OUT, with this process's own CPU time from /proc/self/stat
-- (utime and stime of every thread, in clock ticks): what the load generator cost.
function done(summary, latency, requests)
  local f = io.open("/proc/self/stat", "r")
  local stat = f:read("*a")
  f:close()
  local fields = {}
  for word in stat:match("%) (.*)"):gmatch("%S+") do
    table.insert(fields, word)
  end
  local e = summary.errors
  local out = io.open(os.getenv("BENCH_OUT"), "w")
  out:write(string.format(
    '{"duration_us":%.0f,"requests":%.0f,"connect_errors":%.0f,"read_errors":%.0f,' ..
      '"write_errors":%.0f,"status_errors":%.0f,"timeouts":%.0f,"p50_us":%.0f,"p99_us":%.0f,' ..
      '"max_us":%.0f,"utime_ticks":%s,"stime_ticks":%s}\n',
    summary.duration, summary.requests, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max, fields[12], fields[13]))
  out:close()
end
