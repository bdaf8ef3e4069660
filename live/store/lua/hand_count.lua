-- Hand counts of one round. KEYS: counts. ARGV: round, perspective index or '',
-- expires_at_ms, then choice/count pairs. Stored as "m<round>:<choice>[:<index>]".
-- Sets (not adds) the counts, so a repeated command changes nothing; a zero is no field,
-- so all zeros clears the group. One meaning per proposition and round: counts for the
-- whole hall and counts per perspective never both (the total is never the sum of
-- both), so saving one while the other is stored is refused: {'hand_count_mode'}.
-- Clearing (all zeros) is always allowed. Returns {'ok', version}.
local suffix = ''
if ARGV[2] ~= '' then suffix = ':' .. ARGV[2] end
local saving = false
for i = 5, #ARGV, 2 do
  if tonumber(ARGV[i]) > 0 then saving = true end
end
if saving then
  local prefix = 'm' .. ARGV[1] .. ':'
  local fields = redis.call('HKEYS', KEYS[1])
  for _, field in ipairs(fields) do
    if string.sub(field, 1, #prefix) == prefix then
      local per_group = string.find(field, ':', #prefix + 1, true) ~= nil
      if per_group ~= (ARGV[2] ~= '') then return {'hand_count_mode'} end
    end
  end
end
for i = 4, #ARGV, 2 do
  local field = 'm' .. ARGV[1] .. ':' .. ARGV[i] .. suffix
  if tonumber(ARGV[i + 1]) > 0 then
    redis.call('HSET', KEYS[1], field, ARGV[i + 1])
  else
    redis.call('HDEL', KEYS[1], field)
  end
end
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
return {'ok', redis.call('HINCRBY', KEYS[1], 'v', 1)}
