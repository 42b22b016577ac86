-- GET one order after another: BENCH_PATH is the path up to the id ("/v1/payments/" or
-- "/v1/payments?order_id="), BENCH_IDS a file with one order id a line. Each thread starts at
-- its own offset. BENCH_AUTH (optional), BENCH_OUT.
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
require("common")

local path = os.getenv("BENCH_PATH")
local auth = os.getenv("BENCH_AUTH") or ""
local ids = {}
local i = 0

function init(args)
  for line in io.lines(os.getenv("BENCH_IDS")) do
    if line ~= "" then table.insert(ids, line) end
  end
  i = (thread_no * 7919) % #ids
end

function request()
  i = i % #ids + 1
  local headers = {}
  if auth ~= "" then headers["Authorization"] = auth end
  return wrk.format("GET", path .. ids[i], headers, nil)
end
