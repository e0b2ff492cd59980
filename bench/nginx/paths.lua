-- SPDX-License-Identifier: MIT
-- wrk script: rotate through a request for every route of
-- examples/cluster/ (and a normalized and a query variant)
local reqs = {
  {"app.company.com", "/"},
  {"app.company.com", "/cart/items?id=3"},
  {"app.company.com", "/static/css/site.css"},
  {"app.company.com", "/static"},
  {"app.company.com", "/healthz"},
  {"app.company.com", "/static/./js/../app.js"},
  {"api.company.com", "/v1/orders?id=7"},
  {"api.company.com", "/"},
}
local i = 0
request = function()
  i = i % #reqs + 1
  return wrk.format("GET", reqs[i][2], {["Host"] = reqs[i][1]})
end
