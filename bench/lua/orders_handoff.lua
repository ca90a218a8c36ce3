-- One order per wrk thread (run it with as many threads as connections): hand the order off to the other
-- channel, then back, and so on; every hand-off maps the whole progress of one 50-node channel onto the other.
-- args: <order ids file, one per line; thread t takes line t> <bearer token of the orders' applicant>
dofile("report.lua")

local headers
local order
local channels = { "web", "phone" }
local next_channel = 2 -- orders start on web

function init(args)
   local n = 0
   for line in io.lines(args[1]) do
      if n == tid then
         order = line
      end
      n = n + 1
   end
   assert(order, "fewer orders than threads")
   headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. args[2] }
end

function request()
   local body = '{"to_channel":"' .. channels[next_channel] .. '"}'
   return wrk.format("POST", "/v1/orders/" .. order .. "/handoff", headers, body)
end

function response(status)
   if status == 200 then
      next_channel = 3 - next_channel
   end
end
