-- wrk script: the web interface's case list (/faelle) or person record
-- (/personen/{id}) as signed-in case managers. Arguments after `--`:
-- the page ("faelle", "faelle-alle", "personen" or "start"), a file of session cookies (one a
-- line: the users) and a file of person ids of the case managers' provider.
-- A fourth argument, the mean think time in milliseconds, makes each
-- connection a user who reads a page before the next (default 0: none).
-- Each request goes out with the next session and, for the record, the next
-- person, so the server sees many users reading many records.
local page, cookies, ids, think = nil, {}, {}, 0
local i, j = 0, 0
local function lines(path)
  local out = {}
  for l in io.lines(path) do if l ~= "" then out[#out + 1] = l end end
  return out
end
setup = function(thread) thread:set("offset", math.random(1000)) end
init = function(args)
  page = args[1]
  cookies = lines(args[2])
  ids = lines(args[3])
  think = tonumber(args[4] or "0") or 0
  i = offset or 0
  j = (offset or 0) * 7
end
-- A user reads the page before asking for the next: a think time drawn
-- between half and one and a half times the mean (none when it is 0), so
-- that the users do not move in step. wrk does not count it as latency.
delay = function()
  if think <= 0 then return 0 end
  return math.random(math.floor(think / 2), math.floor(think * 3 / 2))
end
request = function()
  i = i % #cookies + 1
  local path = "/faelle"
  if page == "faelle-alle" then
    path = "/faelle?alle=1"
  elseif page == "start" then
    path = "/"
  elseif page == "personen" then
    j = j % #ids + 1
    path = "/personen/" .. ids[j]
  end
  return wrk.format("GET", path, { ["Cookie"] = cookies[i] })
end
