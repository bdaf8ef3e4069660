-- Flag one identity. KEYS: event, flagged, then votes and counts of every proposition, in
-- pairs. ARGV: participant, value ("<pattern>:<ms>"), expires_at_ms.
-- Only while the event exists, and once per identity: each of its stored votes moves into
-- the flagged part of the counts ("f<round>:<choice>" and, for a declared perspective,
-- "f<round>:<choice>:<index>"; read only by store/votes.py), so
-- that tallies can be read with and without flagged identities; bumps each version.
-- Returns 1 when newly flagged, 0 otherwise.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('PEXPIREAT', KEYS[2], ARGV[3])
for i = 3, #KEYS, 2 do
  local moved = false
  for r = 1, 2 do
    local vote = redis.call('HGET', KEYS[i], r .. ':' .. ARGV[1])
    if vote then
      local choice, index = string.match(vote, '^([^:]+):?(.*)$')
      redis.call('HINCRBY', KEYS[i + 1], 'f' .. r .. ':' .. choice, 1)
      if index ~= '' then redis.call('HINCRBY', KEYS[i + 1], 'f' .. r .. ':' .. vote, 1) end
      moved = true
    end
  end
  if moved then redis.call('HINCRBY', KEYS[i + 1], 'v', 1) end
end
return 1
