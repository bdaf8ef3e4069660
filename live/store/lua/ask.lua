-- Ask a question. KEYS: the question parts in keys.QUESTION_PARTS order (meta, data,
-- status, votes, listed, listed_time, all, mine, up, rate). ARGV: participant, data JSON,
-- now ms, asks per window, window ms, expires at ms. Checks the asker's rate limit.
-- Returns {'ok', id, status, version} or {'rate_limited'}.
local who, data, now, limit, window, expires = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]),
  tonumber(ARGV[5]), ARGV[6]
local count, start = 0, now
local rate = redis.call('HGET', KEYS[10], who)
if rate then
  local c, s = string.match(rate, '^(%d+):(%d+)$')
  if c and tonumber(s) + window > now then count, start = tonumber(c), tonumber(s) end
end
if count >= limit then return {'rate_limited'} end
redis.call('HSET', KEYS[10], who, (count + 1) .. ':' .. start)
local id = 'q' .. redis.call('HINCRBY', KEYS[1], 'next', 1)
local status = 'waiting'
if redis.call('HGET', KEYS[1], 'premoderation') == '0' then status = 'visible' end
redis.call('HSET', KEYS[2], id, data)
redis.call('HSET', KEYS[3], id, status)
redis.call('ZADD', KEYS[4], 0, id)
redis.call('ZADD', KEYS[7], now, id)
redis.call('ZADD', KEYS[8], 0, who .. ':' .. id)
if status == 'visible' then
  redis.call('ZADD', KEYS[5], 0, id)
  redis.call('ZADD', KEYS[6], now, id)
end
local version = redis.call('HINCRBY', KEYS[1], 'v', 1)
for i = 1, #KEYS do redis.call('PEXPIREAT', KEYS[i], expires) end
return {'ok', id, status, version}
