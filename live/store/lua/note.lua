-- KEYS: event, hash. ARGV: field, value, expires_at_ms. Sets one field of an event's hash
-- (how an identity came to be, why it is flagged), only while the event exists: a socket
-- judged as it closes must not bring back a key of a deleted event.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('PEXPIREAT', KEYS[2], ARGV[3])
return 1
