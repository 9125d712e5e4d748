-- wrk: every request carries a random 6-digit X-Request-Id, as the seed's clients send, to the URL's path.
math.randomseed(os.time())
request = function()
  return wrk.format("GET", nil, { ["X-Request-Id"] = tostring(math.random(100000, 999999)) })
end
