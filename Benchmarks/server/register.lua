-- wrk script: PUT /v3/diagnosis with a fresh processing number per request (from numbers.txt,
-- one per line, issued beforehand), 14 days of random keys each, COCOA's JSON. Counts answers.
local numbers = {}
for line in io.lines(os.getenv("NUMBERS") or "numbers.txt") do numbers[#numbers + 1] = line end
local counter = 0
local threads = {}

local b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local function random_key()
  local out = {}
  for i = 1, 21 do local n = math.random(1, 64); out[i] = b64:sub(n, n) end
  return table.concat(out) .. "A=="   -- 22 base64 characters + padding = 16 bytes
end

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  ok, refused, other = 0, 0, 0
  stride = tonumber(os.getenv("THREADS") or "2")
  math.randomseed(os.time() + id)
  next_index = id + 1
  local day = math.floor(os.time() / 86400)
  start_number = (day - 13) * 144
  onset = os.date("!%Y-%m-%dT00:00:00.000+09:00", (day - 10) * 86400)
end

function request()
  local number = numbers[next_index] or "00000000"
  next_index = next_index + stride
  local keys = {}
  for d = 0, 13 do
    keys[#keys + 1] = string.format('{"keyData":"%s","rollingStartNumber":%d,"rollingPeriod":144,"reportType":1}', random_key(), start_number + d * 144)
  end
  local body = string.format('{"hasSymptom":true,"onsetOfSymptomOrTestDate":"%s","keys":[%s],"regions":["440"],"platform":"linux",'
    .. '"deviceVerificationPayload":"","appPackageName":"bench","verificationPayload":"%s","idempotency_key":"%s-%d","padding":"%s"}',
    onset, table.concat(keys, ","), number, number, next_index, string.rep("A", 1024))
  return wrk.format("PUT", "/v3/diagnosis", {["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 elseif status >= 400 and status < 500 then refused = refused + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local total_ok, total_refused, total_other = 0, 0, 0
  for _, thread in ipairs(threads) do
    total_ok = total_ok + thread:get("ok")
    total_refused = total_refused + thread:get("refused")
    total_other = total_other + thread:get("other")
  end
  io.write(string.format("answers: %d registered, %d refused, %d other\n", total_ok, total_refused, total_other))
end
