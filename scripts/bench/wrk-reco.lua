-- wrk script: the request of `tailor bench serve` (serenade's shape). Each request records a
-- view of a random test item for one of the visitors and asks for 20 session-kNN
-- recommendations. Needs TAILOR_KEY (a public key) and TAILOR_ITEMS (one item id per line);
-- TAILOR_VISITORS (default 20000) sets the visitors, fewer making longer sessions; with
-- TAILOR_REQUESTS each wrk thread stops after that many answers, so that two builds profiled
-- under callgrind see the same sessions. TAILOR_SHAPE splits the request into its parts, to show
-- what each costs: `session` (default: the event and a session_next box), `trending` (the event
-- and a trending box, no kNN), `box` (a trending box, no event), `event` (POST /v1/events with
-- the event alone), `for_you` (the event and the homepage's box) and `healthz` (GET /healthz:
-- HTTP alone).
local items = {}
for line in io.lines(os.getenv("TAILOR_ITEMS")) do items[#items + 1] = line end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TAILOR_KEY")
local visitors = tonumber(os.getenv("TAILOR_VISITORS") or "20000")
local limit = tonumber(os.getenv("TAILOR_REQUESTS") or "0")
local threads = 0
function setup(thread) threads = threads + 1; thread:set("seed", threads) end
function init(args) math.randomseed(7 + (seed or 0)) end
local shape = os.getenv("TAILOR_SHAPE") or "session"
local event = '{"type":"view","visitor_id":"live-%d","product_id":"%s"}'
local bodies = {
  session = '{"visitor_id":"live-%d","events":[' .. event .. '],'
    .. '"boxes":[{"sources":["session_next"],"count":20}]}',
  trending = '{"visitor_id":"live-%d","events":[' .. event .. '],'
    .. '"boxes":[{"sources":["trending"],"count":20}]}',
  box = '{"visitor_id":"live-%d","boxes":[{"sources":["trending"],"count":20}]}',
  for_you = '{"visitor_id":"live-%d","events":[' .. event .. '],'
    .. '"boxes":[{"preset":"for_you","count":20}]}',
  event = '{"events":[' .. event .. ']}',
}
if shape ~= "healthz" and not bodies[shape] then error("unknown TAILOR_SHAPE " .. shape) end
function request()
  if shape == "healthz" then return wrk.format("GET", "/healthz") end
  local v = math.random(0, visitors - 1)
  local item = items[math.random(1, #items)]
  if shape == "event" then
    return wrk.format(nil, "/v1/events", nil, string.format(bodies.event, v, item))
  end
  -- string.format ignores the arguments a template does not use (the box shape's event).
  return wrk.format(nil, "/v1/recommendations", nil, string.format(bodies[shape], v, v, item))
end
if limit > 0 then
  local answers = 0
  function response()
    answers = answers + 1
    if answers >= limit then wrk.thread:stop() end
  end
end
