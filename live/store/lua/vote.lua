-- One vote. KEYS: props, state, votes, counts, perspectives, flagged, event, holders, channels.
-- ARGV: proposition, participant, choice, expires_at_ms.
-- Checks that the proposition is current and open, stores the participant's vote (with
-- their perspective now; lua/perspective.lua moves it while voting is open) for the
-- proposition's current round, last vote wins, and moves the counts, all at once: a
-- vote is either counted before a close or rejected after it, and counts always equal
-- the stored votes.
-- Stored format (read back only by live/store/votes.py):
--   votes:  "<round>:<participant>" -> "<choice>" or "<choice>:<perspective index>"
--   counts: "<round>:<choice>" (every phone), "<round>:<choice>:<index>" (phones of a
--           perspective), "f<round>:<choice>[:<index>]" (the part from flagged
--           identities, lua/flag.lua), "s<round>:<choice>" (the part from identities that
--           joined through the stream's link: their channel never changes), "v" -> version.
-- In a ticketed event (event hash "ticketed" = "1") only an identity that redeemed a
-- ticket (lua/redeem.lua) votes: the check and the vote are one step.
-- Returns {'ok', round, version} or {error code}.
local p, who, choice, expires = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if redis.call('HGET', KEYS[7], 'ticketed') == '1' and redis.call('HEXISTS', KEYS[8], who) == 0 then
  return {'ticket_required'}
end
if redis.call('HEXISTS', KEYS[1], p) == 0 then return {'unknown_proposition'} end
local st = redis.call('HMGET', KEYS[2], 'current', 'phase:' .. p, 'round:' .. p)
if st[1] ~= p or st[2] ~= 'open' then return {'voting_closed'} end
local r = st[3] or '1'
local field = r .. ':' .. who
local perspective = redis.call('HGET', KEYS[5], who)
local value = choice
if perspective then value = choice .. ':' .. perspective end
local prev = redis.call('HGET', KEYS[3], field)
local stream = redis.call('HEXISTS', KEYS[9], who) == 1
local version
if prev ~= value then
  redis.call('HSET', KEYS[3], field, value)
  if prev then
    local prev_choice, prev_perspective = string.match(prev, '^([^:]+):?(.*)$')
    redis.call('HINCRBY', KEYS[4], r .. ':' .. prev_choice, -1)
    if prev_perspective ~= '' then redis.call('HINCRBY', KEYS[4], r .. ':' .. prev, -1) end
    if stream then redis.call('HINCRBY', KEYS[4], 's' .. r .. ':' .. prev_choice, -1) end
  else
    redis.call('PEXPIREAT', KEYS[3], expires)
    redis.call('PEXPIREAT', KEYS[4], expires)
  end
  redis.call('HINCRBY', KEYS[4], r .. ':' .. choice, 1)
  if perspective then redis.call('HINCRBY', KEYS[4], r .. ':' .. value, 1) end
  if stream then redis.call('HINCRBY', KEYS[4], 's' .. r .. ':' .. choice, 1) end
  if redis.call('HEXISTS', KEYS[6], who) == 1 then  -- a flagged identity voting again
    if prev then
      local prev_choice, prev_perspective = string.match(prev, '^([^:]+):?(.*)$')
      redis.call('HINCRBY', KEYS[4], 'f' .. r .. ':' .. prev_choice, -1)
      if prev_perspective ~= '' then redis.call('HINCRBY', KEYS[4], 'f' .. r .. ':' .. prev, -1) end
    end
    redis.call('HINCRBY', KEYS[4], 'f' .. r .. ':' .. choice, 1)
    if perspective then redis.call('HINCRBY', KEYS[4], 'f' .. r .. ':' .. value, 1) end
  end
  version = redis.call('HINCRBY', KEYS[4], 'v', 1)
else
  version = redis.call('HGET', KEYS[4], 'v')
end
return {'ok', r, version}
