-- POST one fixed JSON body to the URL's path, as one caller.
-- args: <body file> [bearer token]
dofile("report.lua")

local req

function init(args)
   local f = assert(io.open(args[1], "rb"))
   local body = f:read("*a")
   f:close()
   local headers = { ["Content-Type"] = "application/json" }
   if args[2] and args[2] ~= "" then
      headers["Authorization"] = "Bearer " .. args[2]
   end
   req = wrk.format("POST", nil, headers, body)
end

function request()
   return req
end
