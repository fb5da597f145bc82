-- wrk script: the web interface's case list (/faelle) or person record
-- (/personen/{id}) as signed-in case managers. Arguments after `--`:
-- the page ("faelle" or "personen"), a file of session cookies (one a
-- line: the users) and a file of person ids of the case managers' provider.
-- Each request goes out with the next session and, for the record, the next
-- person, so the server sees many users reading many records.
local page, cookies, ids = nil, {}, {}
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
  i = offset or 0
  j = (offset or 0) * 7
end
request = function()
  i = i % #cookies + 1
  local path = "/faelle"
  if page == "personen" then
    j = j % #ids + 1
    path = "/personen/" .. ids[j]
  end
  return wrk.format("GET", path, { ["Cookie"] = cookies[i] })
end
