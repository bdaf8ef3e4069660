-- KEYS: failures (hash n, until). ARGV: now_ms, free, base_ms, cap_ms, window_ms.
-- Counts one wrong secret. Past `free` failures each one blocks further tries for a time
-- that doubles (base, 2 base, 4 base ... cap); the count is forgotten `window` after the
-- last failure. Returns {failures, blocked_ms}.
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
local free = tonumber(ARGV[2])
local wait = 0
if n > free then
  wait = math.min(tonumber(ARGV[3]) * 2 ^ math.min(n - free - 1, 30), tonumber(ARGV[4]))
  redis.call('HSET', KEYS[1], 'until', string.format('%d', tonumber(ARGV[1]) + wait))
end
redis.call('PEXPIRE', KEYS[1], string.format('%d', math.max(tonumber(ARGV[5]), wait)))
return {n, wait}
