-- wrk: keys drawn from a Zipf distribution (s = 1.1) over 10,000 keys, sent as X-Request-Id, to /work?ms=5.
local keys, s = 10000, 1.1
local cdf = {}
local threads = 0

-- Each wrk thread has a Lua state of its own: number them, so that each draws its own sequence of keys.
setup = function(thread)
  threads = threads + 1
  thread:set("id", threads)
end

init = function()
  local total = 0
  for k = 1, keys do total = total + 1 / (k ^ s) end
  local acc = 0
  for k = 1, keys do acc = acc + 1 / (k ^ s) / total; cdf[k] = acc end
  math.randomseed(os.time() * 100 + id)
end

local function draw()
  local u, lo, hi = math.random(), 1, keys
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cdf[mid] < u then lo = mid + 1 else hi = mid end
  end
  return lo
end

request = function()
  return wrk.format("GET", "/work?ms=5", { ["X-Request-Id"] = "key-" .. draw() })
end
