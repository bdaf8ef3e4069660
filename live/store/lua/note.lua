-- KEYS: event, hash. ARGV: field, value, expires_at_ms ('': the event's own, from its
-- hash), most fields (0: no limit).
-- Sets one field of an event's hash (how an identity came to be), only while the event
-- exists (a socket judged as it closes must not bring back a key of a deleted event) and
-- while the hash is under its limit (a script minting identities cannot fill Redis).
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local expires = ARGV[3]
if expires == '' then expires = redis.call('HGET', KEYS[1], 'expires_at') end
if not expires then return 0 end
local most = tonumber(ARGV[4])
if most > 0 and redis.call('HLEN', KEYS[2]) >= most then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('PEXPIREAT', KEYS[2], expires)
return 1
