-- POST to a different path, as a different caller, on every request: walks a list file whose lines are
-- "<path> <bearer token>", thread t taking lines t, t+n, t+2n… (n = thread count), so no line is sent twice
-- unless a thread runs out and wraps around (counted in "wrapped").
-- args: <list file> <thread count> <body file>
dofile("report.lua")

local reqs = {}
local i = 0
pool = 0
wrapped = 0

function init(args)
   local nthreads = tonumber(args[2])
   local f = assert(io.open(args[3], "rb"))
   local body = f:read("*a")
   f:close()
   local n = 0
   for line in io.lines(args[1]) do
      if n % nthreads == tid then
         local path, token = line:match("^(%S+)%s+(%S+)$")
         reqs[#reqs + 1] = wrk.format("POST", path, {
            ["Content-Type"] = "application/json",
            ["Authorization"] = "Bearer " .. token,
         }, body)
      end
      n = n + 1
   end
   pool = #reqs
end

function request()
   i = i + 1
   if i > #reqs then
      i = 1
      wrapped = wrapped + 1
   end
   return reqs[i]
end
