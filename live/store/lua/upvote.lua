-- Upvote (or take back). KEYS: status, up, votes, listed, meta. ARGV: question,
-- participant, on ('1'/'0'), expires at ms. One upvote per participant per question.
-- Returns {'ok', votes, version} or {'unknown_question'}.
local id, who, on, expires = ARGV[1], ARGV[2], ARGV[3] == '1', ARGV[4]
local status = redis.call('HGET', KEYS[1], id)
if status ~= 'visible' and status ~= 'answered' then return {'unknown_question'} end
local member = id .. ':' .. who
local changed
if on then changed = redis.call('SADD', KEYS[2], member) else changed = redis.call('SREM', KEYS[2], member) end
local votes = tonumber(redis.call('ZSCORE', KEYS[3], id) or '0')
local version = tonumber(redis.call('HGET', KEYS[5], 'v') or '0')
if changed == 1 then
  if on then votes = votes + 1 else votes = votes - 1 end
  redis.call('ZADD', KEYS[3], votes, id)
  redis.call('ZADD', KEYS[4], votes, id)
  version = redis.call('HINCRBY', KEYS[5], 'v', 1)
end
if changed == 1 and on then redis.call('PEXPIREAT', KEYS[2], expires) end
return {'ok', votes, version}
