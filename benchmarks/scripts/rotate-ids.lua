-- wrk script: GET /v1/result/{id} over the ids in $IDS_FILE, round robin, with the simulator's key.
local ids = {}
local n = 0
for line in io.lines(os.getenv("IDS_FILE")) do
  n = n + 1
  ids[n] = line
end
local i = 0
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("SIM_KEY") or "sim-key")
request = function()
  i = i % n + 1
  return wrk.format("GET", "/kyyReactApiServer/v1/result/" .. ids[i])
end
