-- Put an event in a series unless it is in one already (or gone).
-- KEYS[1] event hash; ARGV[1] series name. Returns 1 when set, else 0.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local current = redis.call('HGET', KEYS[1], 'series')
if current and current ~= '' then return 0 end
redis.call('HSET', KEYS[1], 'series', ARGV[1])
return 1
