-- A participant declares, changes or withdraws their perspective.
-- KEYS: perspectives, state, votes, counts (the last two of ARGV[4]), flagged.
-- ARGV: participant, perspective index or '' (withdraw), expires_at_ms, proposition the
-- caller believes current ('' in the lobby).
-- While the current proposition is open, the participant's vote in its open round moves
-- to the new perspective in the same step as the counts (format in vote.lua), so a vote
-- always counts under the voter's current perspective and counts equal the stored votes;
-- a flagged identity's part of the counts ("f…", lua/flag.lua) moves with it.
-- Votes of closed propositions and rounds keep the perspective they had: frozen.
-- Returns {'ok'} (nothing to move), {'ok', round, version} (a vote moved), or
-- {'retry', current} when the current proposition is not ARGV[4] (nothing changed).
local who, index, expires, p = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local current = redis.call('HGET', KEYS[2], 'current') or ''
if current ~= p then return {'retry', current} end
if index == '' then
  redis.call('HDEL', KEYS[1], who)
else
  redis.call('HSET', KEYS[1], who, index)
  redis.call('PEXPIREAT', KEYS[1], expires)
end
if p == '' then return {'ok'} end
local st = redis.call('HMGET', KEYS[2], 'phase:' .. p, 'round:' .. p)
if st[1] ~= 'open' then return {'ok'} end
local r = st[2] or '1'
local field = r .. ':' .. who
local prev = redis.call('HGET', KEYS[3], field)
if not prev then return {'ok'} end
local choice, prev_index = string.match(prev, '^([^:]+):?(.*)$')
if prev_index == index then return {'ok'} end
local flagged = redis.call('HEXISTS', KEYS[5], who) == 1
if prev_index ~= '' then
  redis.call('HINCRBY', KEYS[4], r .. ':' .. prev, -1)
  if flagged then redis.call('HINCRBY', KEYS[4], 'f' .. r .. ':' .. prev, -1) end
end
if index == '' then
  redis.call('HSET', KEYS[3], field, choice)
else
  redis.call('HSET', KEYS[3], field, choice .. ':' .. index)
  redis.call('HINCRBY', KEYS[4], r .. ':' .. choice .. ':' .. index, 1)
  if flagged then redis.call('HINCRBY', KEYS[4], 'f' .. r .. ':' .. choice .. ':' .. index, 1) end
end
return {'ok', r, redis.call('HINCRBY', KEYS[4], 'v', 1)}
