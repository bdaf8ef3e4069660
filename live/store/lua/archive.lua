-- Write an event's archive unless it has one: data, meta and the `complete` marker in
-- one HSET, so a reader sees the whole archive or none. No expiry (archives are kept).
-- KEYS[1] archive hash; ARGV[1] data (JSON), ARGV[2] meta (JSON). Returns 1 when written.
if redis.call('HGET', KEYS[1], 'complete') == '1' then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[1], 'meta', ARGV[2], 'complete', '1')
redis.call('PERSIST', KEYS[1])
return 1
