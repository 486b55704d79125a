-- wrk script: every request carries another signed-in session's cookie and another catalog
-- host that session may open (the setup_scale.py layout: line i of FA_SESSIONS is user i, in
-- org unit i % 20; app j lists unit j % 20).
--
-- With FA_SIGNED_OUT set (a file the signer appends `username epoch-seconds` to after each
-- sign-out has committed), it also counts, from the X-Forwarded-User header of each 2xx
-- answer, every request allowed for a signed-out session: within the cache TTL (allowed by
-- design) and later than FA_TTL seconds after the sign-out (a violation; the aim is zero).
--
--   FA_SESSIONS=sessions.txt FA_HOSTS=200 [FA_SIGNED_OUT=signed_out.txt FA_TTL=10] \
--     wrk -t1 -c50 -d15s -s bench/forward_auth/rotate.lua http://127.0.0.1:8702/forward-auth
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_usec; } fa_timeval;
  int gettimeofday(fa_timeval *tv, void *tz);
]]
local tv = ffi.new("fa_timeval")
local function now()
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) + tonumber(tv.tv_usec) / 1e6
end

local UNITS = 20
local hosts = tonumber(os.getenv("FA_HOSTS") or "200")
local per_unit = math.floor(hosts / UNITS)
local signed_out_file = os.getenv("FA_SIGNED_OUT")
local ttl = tonumber(os.getenv("FA_TTL") or "10")

local cookies = {}
for line in io.lines(os.getenv("FA_SESSIONS")) do
  local cookie = line:match("^(%S+)")
  cookies[#cookies + 1] = "polise_fa=" .. cookie
end
local n = #cookies
local host_names = {}
for j = 0, hosts - 1 do
  host_names[j] = "app" .. j .. ".bench.example.go.id"
end
local headers = {
  ["X-Forwarded-Proto"] = "https",
  ["X-Forwarded-Uri"] = "/laporan",
  ["X-Forwarded-Method"] = "GET",
}

-- Counters of this thread (read by done() through the threads table).
allowed_2xx, refused, in_ttl, late, late_max, asked_late = 0, 0, 0, 0, 0, 0
local signed_out = {} -- username -> epoch seconds of its sign-out
local signed_out_line = {} -- line of sessions.txt (user number + 1) -> the same
local read_at, read_pos = 0, 0

local function read_signed_out()
  local f = io.open(signed_out_file, "r")
  if not f then return end
  f:seek("set", read_pos)
  local text = f:read("*a") or ""
  f:close()
  local complete = text:match("^(.*\n)") or "" -- only whole lines; the rest next time
  for user, at in complete:gmatch("(%S+) (%S+)\n") do
    signed_out[user] = tonumber(at)
    signed_out_line[tonumber(user:match("(%d+)$")) + 1] = tonumber(at)
  end
  read_pos = read_pos + #complete
end

function setup(thread)
  threads = threads or {}
  table.insert(threads, thread)
  thread:set("seed", #threads)
end

function init(args)
  math.randomseed(os.time() + (seed or 1))
end

function request()
  local i = math.random(n) -- 1-based line: user i - 1
  if signed_out_file then
    -- Sent with a cookie signed out more than the TTL ago: the answer must not be 2xx.
    local at = signed_out_line[i]
    if at and now() > at + ttl then asked_late = asked_late + 1 end
  end
  local unit = (i - 1) % UNITS
  headers["Cookie"] = cookies[i]
  headers["X-Forwarded-Host"] = host_names[unit + UNITS * math.random(0, per_unit - 1)]
  return wrk.format("GET", nil, headers)
end

if signed_out_file then
  function response(status, hdrs, body)
    local t = now()
    if t - read_at > 0.2 then
      read_signed_out()
      read_at = t
    end
    if status < 200 or status > 299 then
      refused = refused + 1
      return
    end
    allowed_2xx = allowed_2xx + 1
    local user = hdrs["x-forwarded-user"] or hdrs["X-Forwarded-User"]
    local at = user and signed_out[user]
    if at then
      if t > at + ttl then
        late = late + 1
        if t - at - ttl > late_max then late_max = t - at - ttl end
      else
        in_ttl = in_ttl + 1
      end
    end
  end
end

function done(summary, latency, requests)
  if not signed_out_file then return end
  local a, r, w, l, m, q = 0, 0, 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    a = a + thread:get("allowed_2xx")
    r = r + thread:get("refused")
    w = w + thread:get("in_ttl")
    l = l + thread:get("late")
    m = math.max(m, thread:get("late_max"))
    q = q + thread:get("asked_late")
  end
  local signed = 0
  for _ in io.lines(signed_out_file) do signed = signed + 1 end
  io.write(string.format(
    "sign-out check: %d sessions signed out; %d answers 2xx, %d not; %d requests sent with a " ..
    "cookie signed out more than the %gs TTL before; 2xx for a signed-out session: %d within " ..
    "the TTL, %d LATER than the TTL (worst by %.3f s)\n",
    signed, a, r, q, ttl, w, l, m))
end
