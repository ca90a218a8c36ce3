-- POST one fixed body with its own Content-Type (e.g. a multipart upload), as one caller.
-- args: <body file> <content type> <bearer token>
dofile("report.lua")

local req

function init(args)
   local f = assert(io.open(args[1], "rb"))
   local body = f:read("*a")
   f:close()
   req = wrk.format("POST", nil, { ["Content-Type"] = args[2], ["Authorization"] = "Bearer " .. args[3] }, body)
end

function request()
   return req
end
