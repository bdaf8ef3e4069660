-- Moderate a question. KEYS: status, votes, listed, listed_time, all, meta.
-- ARGV: question, action. Returns {'ok', new status, version} or an error code.
local id, action = ARGV[1], ARGV[2]
local status = redis.call('HGET', KEYS[1], id)
if not status then return {'unknown_question'} end
local new = status
if action == 'approve' then new = 'visible'
elseif action == 'reject' then new = 'rejected'
elseif action == 'answer' then new = 'answered'
elseif action == 'pin' and status == 'waiting' then new = 'visible'
end
if action == 'pin' then
  if status == 'rejected' then return {'question_rejected'} end
  redis.call('HSET', KEYS[6], 'pinned', id)
elseif (action == 'unpin' or new == 'rejected') and redis.call('HGET', KEYS[6], 'pinned') == id then
  redis.call('HDEL', KEYS[6], 'pinned')
end
if new ~= status then
  redis.call('HSET', KEYS[1], id, new)
  if new == 'visible' or new == 'answered' then
    redis.call('ZADD', KEYS[3], redis.call('ZSCORE', KEYS[2], id) or 0, id)
    redis.call('ZADD', KEYS[4], redis.call('ZSCORE', KEYS[5], id) or 0, id)
  else
    redis.call('ZREM', KEYS[3], id)
    redis.call('ZREM', KEYS[4], id)
  end
end
local version = redis.call('HINCRBY', KEYS[6], 'v', 1)
return {'ok', new, version}
