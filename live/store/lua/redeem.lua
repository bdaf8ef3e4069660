-- Redeem a one-time ticket. KEYS: event, tickets, holders. ARGV: ticket, participant, expires_at_ms.
-- A ticket admits exactly one identity: the first to present it gets it, the same
-- identity may present it again, any other is refused. An identity that already holds a
-- ticket keeps it (a second ticket is not used up). All at once, so of many identities
-- presenting one ticket at the same moment exactly one wins.
-- Returns 'ok', or an error code: unknown_event, unknown_ticket, ticket_used.
if redis.call('EXISTS', KEYS[1]) == 0 then return 'unknown_event' end
local held = redis.call('HGET', KEYS[3], ARGV[2])
if held then return 'ok' end
local owner = redis.call('HGET', KEYS[2], ARGV[1])
if not owner then return 'unknown_ticket' end
if owner == ARGV[2] then return 'ok' end
if owner ~= '' then return 'ticket_used' end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[3], ARGV[2], ARGV[1])
redis.call('PEXPIREAT', KEYS[3], ARGV[3])
return 'ok'
