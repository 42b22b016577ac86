-- POST a payment creation: a unique body and Idempotency-Key on every request.
-- BENCH_PATH, BENCH_SOURCE_ID, BENCH_PREFIX (unique per run), BENCH_AUTH (optional), BENCH_OUT.
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
require("common")

local path = os.getenv("BENCH_PATH")
local source = os.getenv("BENCH_SOURCE_ID")
local prefix = os.getenv("BENCH_PREFIX")
local auth = os.getenv("BENCH_AUTH") or ""
local n = 0

function request()
  n = n + 1
  local id = prefix .. "t" .. thread_no .. "n" .. n
  local body = '{"source_id":' .. source .. ',"product_id":"p' .. n ..
    '","product_name":"apple","amount":' .. (1000 + n % 1000) ..
    ',"merchant_order_no":"' .. id .. '"}'
  local headers = { ["Content-Type"] = "application/json", ["Idempotency-Key"] = id }
  if auth ~= "" then headers["Authorization"] = auth end
  return wrk.format("POST", path, headers, body)
end
