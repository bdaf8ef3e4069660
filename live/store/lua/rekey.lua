-- A new moderator key for an existing event (never creates one). KEYS: event. ARGV: key.
-- Returns 1 when set, 0 when there is no such event.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'moderator_key', ARGV[1])
return 1
