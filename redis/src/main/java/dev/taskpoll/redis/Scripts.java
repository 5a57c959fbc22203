package dev.taskpoll.redis;

/**
 * The store's Lua scripts: each one round trip, atomic on the server. Every write of a tracked task after its record
 * is fenced: it names the shard lease's holder value ({@code instance|token}) it believes it has, and is refused
 * with {@code LEASELOST} when the lease moved on, so that an instance that was paused past its lease never records
 * a stale status. Time comes from the server ({@code TIME}), never from the instances' clocks.
 */
final class Scripts {

    private Scripts() {
    }

    /** The server's time in ms. */
    static final String NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor("
            + "tonumber(t[2]) / 1000) ";

    /**
     * Records a task unless it is recorded (an existing record wins and is returned). KEYS: task, history, shard
     * set, all-tasks zset, shard version. ARGV: member, submitted-at score, first status (or ''), then field/value
     * pairs.
     */
    static final String RECORD = ""
            + "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('HGETALL', KEYS[1]) end "
            + "redis.call('HSET', KEYS[1], unpack(ARGV, 4)) "
            + "if ARGV[3] ~= '' then redis.call('RPUSH', KEYS[2], ARGV[3]) redis.call('HSET', KEYS[1], 'last', ARGV[3]) end "
            + "redis.call('SADD', KEYS[3], ARGV[1]) "
            + "redis.call('ZADD', KEYS[4], ARGV[2], ARGV[1]) "
            + "redis.call('INCR', KEYS[5]) "
            + "return false";

    /**
     * A submit answered: the intent says so and the task is recorded, in one step (a crash cannot leave a task
     * without its record nor a recorded task whose intent is in doubt). KEYS: as {@link #RECORD}, then intent hash,
     * in-doubt set. ARGV: as {@link #RECORD}; the intent's id is ARGV[#ARGV - 1]... given as the last two: intent id,
     * task id (appended after the pairs, so the pairs end two earlier).
     */
    static final String SUBMITTED = ""
            + "local n = #ARGV "
            + "redis.call('HSET', KEYS[6], 'outcome', 'SUBMITTED', 'task_id', ARGV[n]) "
            + "redis.call('SREM', KEYS[7], ARGV[n - 1]) "
            + "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('HGETALL', KEYS[1]) end "
            + "redis.call('HSET', KEYS[1], unpack(ARGV, 4, n - 2)) "
            + "if ARGV[3] ~= '' then redis.call('RPUSH', KEYS[2], ARGV[3]) redis.call('HSET', KEYS[1], 'last', ARGV[3]) end "
            + "redis.call('SADD', KEYS[3], ARGV[1]) "
            + "redis.call('ZADD', KEYS[4], ARGV[2], ARGV[1]) "
            + "redis.call('INCR', KEYS[5]) "
            + "return false";

    /**
     * KEYS: intent hash prefix, all-intents zset, in-doubt set, sequence, token prefix. ARGV: kind, model, request, at,
     * the call's token. Returns the id. Idempotent by the token: a call retried after Redis ran it but its answer was
     * lost (a command timeout while Redis stalled) gets the id of its first run (kept a day) instead of recording a
     * second intent, which would have stayed in doubt for ever beside the submit that was sent once.
     *
     * <p>The id is never below Redis's time in microseconds: a Redis that lost its last second of writes (AOF
     * {@code everysec}) has its sequence back where it was, and {@code INCR} alone gave an id already handed out to
     * another intent, whose {@code submitted} from an instance still retrying it would then mark the new intent as
     * answered (a paid submit in doubt, no longer listed). Ids stay unique and increasing; they are not consecutive.
     */
    static final String INTENT = ""
            + "local token = KEYS[5] .. ARGV[5] "
            + "local seen = redis.call('GET', token) "
            + "if seen then return tonumber(seen) end "
            + "local id = redis.call('INCR', KEYS[4]) "
            + "local now = redis.call('TIME') "
            + "local floor = tonumber(now[1]) * 1000000 + tonumber(now[2]) "
            // Lua's numbers are doubles, written as 1.7e+15 past 14 digits: the id as text is formatted whole
            + "if id < floor then id = floor redis.call('SET', KEYS[4], string.format('%d', id)) end "
            + "local text = string.format('%d', id) "
            + "local key = KEYS[1] .. text "
            + "redis.call('HSET', key, 'kind', ARGV[1], 'model', ARGV[2], 'request', ARGV[3], 'at', ARGV[4]) "
            + "redis.call('ZADD', KEYS[2], ARGV[4], text) "
            + "redis.call('SADD', KEYS[3], text) "
            + "redis.call('SET', token, text, 'EX', 86400) "
            + "return id";

    private static final String FENCE = ""
            + "local holder = redis.call('GET', KEYS[3]) "
            + "if holder ~= ARGV[1] then return redis.error_reply('LEASELOST ' .. tostring(holder)) end "
            + "if redis.call('EXISTS', KEYS[1]) == 0 then return redis.error_reply('NOTASK') end "
            + "if redis.call('HEXISTS', KEYS[1], 'ended_at') == 1 then return 'ENDED' end ";

    /**
     * A status change, fenced. KEYS: task, history, lease. ARGV: holder, status JSON, channel, change message. The same
     * status as the last one is not appended again: a write retried after Redis ran it but its answer was lost (Redis
     * killed in between) would otherwise repeat it in the history (a completed status twice, FailoverIT saw). Nor is a
     * status observed before the last one that does not move the task forward (rank: unknown, queued, processing,
     * terminal): a write whose first try timed out while Redis stalled, retried after the task's next write, would
     * otherwise put an older status over a newer one (a 'processing' over the completed status its capture needs).
     */
    static final String STATUS = FENCE
            + "local last = redis.call('HGET', KEYS[1], 'last') "
            + "if last == ARGV[2] then return 'OK' end "
            + "if last then "
            + "  local a = cjson.decode(last) local b = cjson.decode(ARGV[2]) "
            + "  local rank = {UNKNOWN = -1, QUEUED = 0, PROCESSING = 1} "
            + "  local ra = rank[a['state']] or 2 local rb = rank[b['state']] or 2 "
            + "  local ta = tonumber(a['observedAt']) local tb = tonumber(b['observedAt']) "
            + "  if ta and tb and tb < ta and rb <= ra then return 'OK' end "
            + "end "
            + "redis.call('RPUSH', KEYS[2], ARGV[2]) "
            + "redis.call('HSET', KEYS[1], 'last', ARGV[2]) "
            + "redis.call('PUBLISH', ARGV[3], ARGV[4]) "
            + "return 'OK'";

    /** Whether the holder may still act for the task (before a capture). KEYS: task, history, lease. ARGV: holder. */
    static final String CONFIRM = FENCE + "return 'OK'";

    /**
     * One stored result, fenced. KEYS: task, results hash, lease. ARGV: holder, index, file JSON.
     */
    static final String CAPTURED = FENCE
            + "redis.call('HSET', KEYS[2], ARGV[2], ARGV[3]) "
            + "return 'OK'";

    /**
     * The end, fenced, once: the terminal status joins the history unless it is already the latest (same state and
     * raw status). KEYS: task, history, lease, shard set, ended zset. ARGV: holder, terminal JSON or '', error or '',
     * ended-at, member, channel, change message.
     */
    static final String ENDED = FENCE
            + "if ARGV[2] ~= '' then "
            + "  local last = redis.call('HGET', KEYS[1], 'last') "
            + "  local same = false "
            + "  if last then "
            + "    local a = cjson.decode(last) local b = cjson.decode(ARGV[2]) "
            + "    same = a['state'] == b['state'] and a['rawStatus'] == b['rawStatus'] "
            + "  end "
            + "  if not same then redis.call('RPUSH', KEYS[2], ARGV[2]) end "
            + "  redis.call('HSET', KEYS[1], 'last', ARGV[2]) "
            + "end "
            + "redis.call('HSET', KEYS[1], 'ended_at', ARGV[4]) "
            + "if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'end_error', ARGV[3]) end "
            + "redis.call('SREM', KEYS[4], ARGV[5]) "
            + "redis.call('ZADD', KEYS[5], ARGV[4], ARGV[5]) "
            + "redis.call('PUBLISH', ARGV[6], ARGV[7]) "
            + "return 'OK'";

    /**
     * Takes a shard's lease if nobody holds it. KEYS: lease, fence counter, released marker. ARGV: instance, lease ms.
     * Returns {token, 1 if the last holder released it cleanly else 0}, or {0, 0} when another holds it.
     */
    static final String ACQUIRE = ""
            + "if redis.call('EXISTS', KEYS[1]) == 1 then return {0, 0} end "
            + "local token = redis.call('INCR', KEYS[2]) "
            + "redis.call('SET', KEYS[1], ARGV[1] .. '|' .. token, 'PX', ARGV[2]) "
            + "local clean = redis.call('DEL', KEYS[3]) "
            + "if token == 1 then clean = 1 end "
            + "return {token, clean}";

    /**
     * The shards nobody has held for at least a while. KEYS: every shard's lease, then every shard's free-since
     * marker. ARGV: how long, ms. A shard with a holder loses its marker; one without gets one (now) the first time it
     * is seen so. Returns the 0-based shards free for at least ARGV[1].
     */
    static final String OVERDUE = NOW
            + "local n = #KEYS / 2 "
            + "local out = {} "
            + "for i = 1, n do "
            + "  if redis.call('EXISTS', KEYS[i]) == 1 then "
            + "    if redis.call('EXISTS', KEYS[n + i]) == 1 then redis.call('DEL', KEYS[n + i]) end "
            + "  else "
            + "    local since = redis.call('GET', KEYS[n + i]) "
            + "    if not since then redis.call('SET', KEYS[n + i], now) "
            + "    elseif now - tonumber(since) >= tonumber(ARGV[1]) then out[#out + 1] = i - 1 end "
            + "  end "
            + "end "
            + "return out";

    /** Renews held leases. KEYS: leases. ARGV: lease ms, then each lease's holder value. Returns 0/1 per lease. */
    static final String RENEW = ""
            + "local out = {} "
            + "for i = 1, #KEYS do "
            + "  if redis.call('GET', KEYS[i]) == ARGV[i + 1] then redis.call('PEXPIRE', KEYS[i], ARGV[1]) out[i] = 1 "
            + "  else out[i] = 0 end "
            + "end "
            + "return out";

    /** Gives a lease up cleanly. KEYS: lease, released marker. ARGV: holder value. */
    static final String RELEASE = ""
            + "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) "
            + "redis.call('SET', KEYS[2], '1') return 1 end return 0";

    /**
     * An instance's heartbeat. KEYS: instances zset. ARGV: instance, window ms (how long after this heartbeat the
     * instance counts as live: each instance gives its own, so that instances with different leases count each other
     * right). The zset's scores are the instances' expiries; those expired a window ago are removed. Returns {live
     * instances, server ms}.
     */
    static final String HEARTBEAT = NOW
            + "redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1]) "
            + "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2])) "
            + "return {redis.call('ZCOUNT', KEYS[1], now, '+inf'), now}";

    /**
     * The API key's shared budget: one instance's sync. KEYS: fleet hash, demand hash, instances-seen zset. ARGV:
     * instance, answered, throttled, retry-after ms, demand, max rate, demand ttl ms. The key's ceiling (max rate) is
     * split by demand among the instances seen within the ttl; the latest Retry-After any instance saw is kept (on
     * Redis's clock) and answered and 429 counts are summed for the key, for operators reading the hash; neither
     * steers the instances ({@link RedisFleetShare} applies no shared pause: measured worse). Each instance's own
     * budget follows the 429s it sees. Returns {this instance's share of the ceiling, pause left ms}, as strings.
     */
    static final String FLEET = NOW
            + "local pause = tonumber(redis.call('HGET', KEYS[1], 'pause') or 0) "
            + "if tonumber(ARGV[4]) > 0 then pause = math.max(pause, now + tonumber(ARGV[4])) end "
            + "redis.call('HSET', KEYS[1], 'pause', pause) "
            + "redis.call('HINCRBY', KEYS[1], 'answered', ARGV[2]) "
            + "redis.call('HINCRBY', KEYS[1], 'throttled', ARGV[3]) "
            + "redis.call('HSET', KEYS[2], ARGV[1], ARGV[5]) "
            + "redis.call('ZADD', KEYS[3], now, ARGV[1]) "
            + "local stale = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now - tonumber(ARGV[7])) "
            + "for _, s in ipairs(stale) do redis.call('HDEL', KEYS[2], s) redis.call('ZREM', KEYS[3], s) end "
            + "local all = redis.call('HVALS', KEYS[2]) "
            + "local sum = 0 for _, v in ipairs(all) do sum = sum + tonumber(v) end "
            + "local rate = tonumber(ARGV[6]) "
            + "local share = rate / math.max(1, #all) "
            + "if sum > 0 then share = rate * tonumber(ARGV[5]) / sum end "
            + "return {tostring(share), tostring(math.max(0, pause - now))}";
}
