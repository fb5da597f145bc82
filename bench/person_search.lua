-- wrk script: GET /api/v1/persons?q=… with a mix of realistic searches over
-- the generator's names (bundle::generate): family names, given and family
-- name, other spellings (Mueller, Muhammad), sounds and typos, and a name
-- nobody has. Each thread walks the list from its own starting point.
local queries = {
  "M%C3%BCller", "Mueller", "Schmidt", "Schmdit", "Hoffman", "Anna%20M%C3%BCller",
  "Weber%20Lukas", "Y%C4%B1lmaz", "Yilmaz%20Elif", "%C3%96zt%C3%BCrk", "Oeztuerk",
  "Mohammed%20Al-Hassan", "Muhammad%20Haddad", "Ahmadi", "Rahimi%20Zahra", "Mohamad",
  "Tesfamariam", "Haile%20Senait", "Kowalenko", "Oleksandr%20Melnyk", "Schewtschenko",
  "Nowak", "Popescu%20Ioana", "Sch%C3%A4fer", "Khalil%20Nour", "Becker%20Julia",
}
local i = 0
setup = function(thread) thread:set("start", math.random(#queries)) end
init = function(args) i = start or 0 end
request = function()
  i = i % #queries + 1
  return wrk.format("GET", "/api/v1/persons?limit=20&q=" .. queries[i])
end
