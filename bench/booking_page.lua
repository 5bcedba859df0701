-- wrk: the slots server function, as the booking page's browser would call it.
wrk.method = "POST"
wrk.body = "username=ada&tz=America%2FNew_York"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
