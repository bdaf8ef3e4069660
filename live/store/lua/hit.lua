-- KEYS: counter. ARGV: window_ms. Counts one hit in a fixed window; returns the count.
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
