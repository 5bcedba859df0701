-- wrk: the slots server function, as the booking page's browser would call it,
-- from many visitors (forwarded addresses; the server trusts 127.0.0.1 as its
-- proxy), so the per-address read limit does not stand in for the server.
wrk.method = "POST"
wrk.body = "username=ada&tz=America%2FNew_York"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"

request = function()
  wrk.headers["X-Forwarded-For"] = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
  return wrk.format()
end
