"""The Lua scripts of cluster mode: every change to a shared conversation, and every decision that must hold
for all instances at once, is one script, so Redis runs it atomically.

Layout (the RedisStore's, redis_store.py, plus two kinds of keys), all under `mygallery:`:
- `session:{id}` hash: `created_at`, `last_active`, `turn` (the token of the last appended turn);
- `messages:{id}` list of JSON messages; `sessions` sorted set: id -> last activity (expiry, the cap, the list);
- `turn:{id}` string: the token of the instance whose turn runs, with an expiry (TURN_LOCK_SECONDS).
One clock for the cluster: every script reads Redis's own `TIME`, so instances whose clocks differ still agree
on who is idle and for how long. Times leave the scripts as strings (a Lua number would become an integer).
Non-goals: Redis Cluster slots — `expire` and `summary` build keys inside the script; all keys live on one Redis.
"""

from __future__ import annotations

from .redis_store import ACTIVITY, PREFIX

__all__ = ["ACTIVITY", "PREFIX", "keys", "client_key", "CREATE", "SET_MESSAGE", "READ", "TAKE_TURN", "APPEND",
           "RELEASE_TURN", "DELETE", "COUNT", "EXPIRE", "SUMMARY"]

_NOW = "local clock = redis.call('TIME')\nlocal now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000\n"


def client_key(client: str) -> str:
    """The set of conversations a client address started (its fair share of the cap)."""
    return f"{PREFIX}client:{client}"


def keys(session_id: str) -> list[str]:
    """The KEYS of every per-conversation script: [session hash, messages list, turn lock, activity]."""
    return [f"{PREFIX}session:{session_id}", f"{PREFIX}messages:{session_id}", f"{PREFIX}turn:{session_id}",
            ACTIVITY]


# KEYS: session hash, messages, turn lock, activity, the client's set (`client:{address}`); ARGV: id, max
# sessions, timeout s, max per client (0: no share) -> {1, now} created, {0, retry-after s} the cluster is full,
# {-1} the client holds its share. Only conversations active within the timeout count: an idle one holds no
# slot, even before the janitor runs; a client's set forgets those (and deleted ones) as it is counted.
# Creating an id that exists succeeds again (a retried create after a lost reply).
CREATE = _NOW + """
if redis.call('EXISTS', KEYS[1]) == 1 then return {1, redis.call('HGET', KEYS[1], 'created_at')} end
local since = now - tonumber(ARGV[3])
local share = tonumber(ARGV[4])
if share > 0 then
  for _, id in ipairs(redis.call('ZRANGE', KEYS[5], 0, -1)) do
    local active = redis.call('ZSCORE', KEYS[4], id)
    if not active or tonumber(active) <= since then redis.call('ZREM', KEYS[5], id) end
  end
  if redis.call('ZCARD', KEYS[5]) >= share then return {-1} end
end
if redis.call('ZCOUNT', KEYS[4], '(' .. since, '+inf') >= tonumber(ARGV[2]) then
  local oldest = redis.call('ZRANGEBYSCORE', KEYS[4], '(' .. since, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
  return {0, tostring(tonumber(oldest[2]) + tonumber(ARGV[3]) - now)}
end
redis.call('HSET', KEYS[1], 'created_at', now, 'last_active', now)
redis.call('ZADD', KEYS[4], now, ARGV[1])
if share > 0 then
  redis.call('ZADD', KEYS[5], now, ARGV[1])
  redis.call('EXPIRE', KEYS[5], math.ceil(tonumber(ARGV[3])) + 60)
end
return {1, tostring(now)}
"""

# KEYS: session hash, messages, turn lock, activity; ARGV: index, message -> the conversation's new revision
# (>= 1) replaced, 0 no such conversation or message. A rating rewrites its message in place, only while the
# conversation exists, and raises the revision: a reader's cached copy of that message is no longer the list's.
SET_MESSAGE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('LLEN', KEYS[2]) <= tonumber(ARGV[1]) then return 0 end
redis.call('LSET', KEYS[2], tonumber(ARGV[1]), ARGV[2])
return redis.call('HINCRBY', KEYS[1], 'revision', 1)
"""

# A conversation idle past the timeout is gone: deleted here (idempotent, as the janitor's sweep), nil returned.
_STALE = """
local function stale(fields, timeout)
  return now - tonumber(fields[2]) > timeout
end
local function forget(id)
  redis.call('DEL', KEYS[1], KEYS[2])
  redis.call('ZREM', KEYS[4], id)
end
"""

# Reads send only the messages the caller lacks: it says how many it holds (`known`, 0 for all) and the
# revision it read them at; the script answers with the list's length, the revision, where it starts (`known`,
# or 0 when a rating rewrote a message since: the revision moved) and the messages from there. A conversation's
# list otherwise only grows while its id lives (a delete removes it whole; ids are never reused).
_SINCE = """
local revision = fields[3] or '0'
local start = tonumber(KNOWN)
if revision ~= REVISION then start = 0 end
local tail = {redis.call('LLEN', KEYS[2]), revision, start, redis.call('LRANGE', KEYS[2], start, -1)}
"""

# KEYS: session hash, messages, turn lock, activity; ARGV: id, timeout s, known, revision
# -> {created_at, last_active, length, revision, start, [messages from start]} or nil (unknown or expired)
READ = _NOW + _STALE + """
local fields = redis.call('HMGET', KEYS[1], 'created_at', 'last_active', 'revision')
if not fields[1] then return nil end
if stale(fields, tonumber(ARGV[2])) then forget(ARGV[1]) return nil end
""" + _SINCE.replace("KNOWN", "ARGV[3]").replace("REVISION", "ARGV[4]") + """
return {fields[1], fields[2], tail[1], tail[2], tail[3], tail[4]}
"""

# KEYS: session hash, messages, turn lock, activity; ARGV: id, timeout s, token, lock ms, known, revision
# -> {1, created_at, last_active, length, revision, start, [messages from start]} the turn is ours (the history
#    as it is now, read under the lock); {0} another turn holds the conversation; {-1} the conversation is gone.
# Taking a lock we already hold renews it (a retried take after a lost reply).
TAKE_TURN = _NOW + _STALE + """
local fields = redis.call('HMGET', KEYS[1], 'created_at', 'last_active', 'revision')
if not fields[1] then return {-1} end
if stale(fields, tonumber(ARGV[2])) then forget(ARGV[1]) return {-1} end
local holder = redis.call('GET', KEYS[3])
if holder and holder ~= ARGV[3] then return {0} end
redis.call('SET', KEYS[3], ARGV[3], 'PX', ARGV[4])
""" + _SINCE.replace("KNOWN", "ARGV[5]").replace("REVISION", "ARGV[6]") + """
return {1, fields[1], fields[2], tail[1], tail[2], tail[3], tail[4]}
"""

# The RedisStore's append (redis_store.py) with two more checks, and the turn's end. KEYS: session hash, messages,
# turn lock, activity; ARGV: id, token, message JSON... -> {1, last_active} stored and the turn lock released;
# {0} the conversation is gone; {-1} another turn holds the conversation (ours expired and was taken: storing
# now could interleave two turns). A turn is appended once: the same token again (a retried append after a
# lost reply) changes nothing. Releasing here saves the turn a round trip (and, with appendfsync always, an fsync).
# The reply's third element is the list's length after the append.
APPEND = _NOW + """
if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
local holder = redis.call('GET', KEYS[3])
if holder and holder ~= ARGV[2] then return {-1} end
if holder then redis.call('DEL', KEYS[3]) end
if redis.call('HGET', KEYS[1], 'turn') == ARGV[2] then
  return {1, redis.call('HGET', KEYS[1], 'last_active'), redis.call('LLEN', KEYS[2])}
end
local length = 0
for i = 3, #ARGV do length = redis.call('RPUSH', KEYS[2], ARGV[i]) end
redis.call('HSET', KEYS[1], 'last_active', now, 'turn', ARGV[2])
redis.call('ZADD', KEYS[4], now, ARGV[1])
return {1, tostring(now), length}
"""

# KEYS: session hash, messages, turn lock, activity; ARGV: token -> 1 released, 0 not ours (expired, maybe taken by another turn since)
RELEASE_TURN = """
if redis.call('GET', KEYS[3]) == ARGV[1] then return redis.call('DEL', KEYS[3]) end
return 0
"""

# KEYS: session hash, messages, turn lock, activity; ARGV: id -> 1 when it existed
DELETE = """
local existed = redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[4], ARGV[1])
return existed > 0 and 1 or 0
"""

# KEYS: activity; ARGV: timeout s -> conversations active within the timeout
COUNT = _NOW + """
return redis.call('ZCOUNT', KEYS[1], '(' .. (now - tonumber(ARGV[1])), '+inf')
"""

# KEYS: activity; ARGV: timeout s, batch, key prefix -> how many idle conversations were deleted (at most
# batch: the caller repeats while it gets a full batch, so Redis never blocks long). Any instance may run it,
# any number at once: a conversation is deleted once, one touched meanwhile is no longer idle and stays.
EXPIRE = _NOW + """
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - tonumber(ARGV[1])), 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do
  redis.call('DEL', ARGV[3] .. 'session:' .. id, ARGV[3] .. 'messages:' .. id)
  redis.call('ZREM', KEYS[1], id)
end
return #ids
"""

# KEYS: activity; ARGV: timeout s, limit, key prefix -> {now, id, created_at, last_active, messages, id, ...}
# for the most recently active live conversations, newest first (the admin panel's list).
SUMMARY = _NOW + """
local found = redis.call('ZREVRANGEBYSCORE', KEYS[1], '+inf', '(' .. (now - tonumber(ARGV[1])), 'WITHSCORES',
                         'LIMIT', 0, tonumber(ARGV[2]))
local out = {tostring(now)}
for i = 1, #found, 2 do
  local id = found[i]
  local created = redis.call('HGET', ARGV[3] .. 'session:' .. id, 'created_at')
  if created then
    table.insert(out, id)
    table.insert(out, created)
    table.insert(out, found[i + 1])
    table.insert(out, redis.call('LLEN', ARGV[3] .. 'messages:' .. id))
  end
end
return out
"""
