-- Hand counts of one round. KEYS: counts. ARGV: round, perspective index or '',
-- expires_at_ms, then choice/count pairs. Stored as "m<round>:<choice>[:<index>]".
-- Sets (not adds) the counts, so a repeated command changes nothing; a zero is no field,
-- so all zeros clears the group. Returns the version.
local suffix = ''
if ARGV[2] ~= '' then suffix = ':' .. ARGV[2] end
for i = 4, #ARGV, 2 do
  local field = 'm' .. ARGV[1] .. ':' .. ARGV[i] .. suffix
  if tonumber(ARGV[i + 1]) > 0 then
    redis.call('HSET', KEYS[1], field, ARGV[i + 1])
  else
    redis.call('HDEL', KEYS[1], field)
  end
end
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
return redis.call('HINCRBY', KEYS[1], 'v', 1)
