-- GET the URL's path (query included) as one caller.
-- args: <bearer token>
dofile("report.lua")

local req

function init(args)
   req = wrk.format("GET", nil, { ["Authorization"] = "Bearer " .. args[1] })
end

function request()
   return req
end
