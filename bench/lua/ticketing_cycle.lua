-- One agent per wrk thread (run it with as many threads as connections, so each connection is one agent
-- working alone): claim from the pool, post the result of the ticket it got, claim again, …
-- A 204 (empty pool) is simply followed by another claim.
-- args: <token file, one bearer token per line; thread t takes line t> <result body file>
dofile("report.lua")

local headers
local claim_req
local result_body
local ticket = nil

function init(args)
   local n = 0
   local token
   for line in io.lines(args[1]) do
      if n == tid then
         token = line
      end
      n = n + 1
   end
   assert(token, "fewer tokens than threads")
   headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }
   local f = assert(io.open(args[2], "rb"))
   result_body = f:read("*a")
   f:close()
   claim_req = wrk.format("POST", "/v1/pool/claim", headers, "{}")
end

function request()
   if ticket then
      return wrk.format("POST", "/v1/tickets/" .. ticket .. "/result", headers, result_body)
   end
   return claim_req
end

function response(status, _, body)
   if ticket then
      ticket = nil -- the result was posted (or refused: wrk counts a non-2xx); claim the next one
   elseif status == 200 then
      ticket = body:match('"id":"([%x%-]+)"')
   end
end
