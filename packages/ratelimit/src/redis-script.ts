/** @module The one Lua script of the Redis store: GCRA over every policy of a key, for a batch of keys. */
import { createHash } from "node:crypto";

/*
 * A call carries G groups; a group is one key's requests in this tick under one set of policies.
 * KEYS: per group, one key per policy. On Redis Cluster a call carries only keys of one hash tag
 * ({tenant}), so they share a slot; on a single Redis one call may carry every key of the tick.
 * ARGV[1]: the numbers, packed as little-endian doubles (one argument, not one per number: a client
 * encodes every argument of a command separately, which cost more than the decisions themselves
 * for a tick of hundreds): G, then per group: P, per policy emission interval (us) and tolerance
 * (us), N, then per request its cost and the most units it would lease (see gcraDecide: at most
 * half of what is left, granted once every request of the group is decided). Doubles hold every
 * integer up to 2^53 exactly.
 * Returns, per group and request: 1|0 (admitted), units leased, then per policy `tat - now` in us;
 * -1 instead of 1|0 (and zeros) for every request of a group whose keys hold something that is not
 * a timestamp (a wrong type, a foreign value): that group writes nothing and the others are decided
 * as usual. A raised error would abort the whole call, keep the writes of the groups before it
 * (a script is not rolled back) and fail every key of the call, so GET runs under pcall.
 *
 * Time comes from Redis TIME, so application clocks may disagree. TATs are integers in
 * microseconds, rounded up (never admits over the limit), and written with %.0f because Lua's
 * default number formatting keeps only 14 digits and a microsecond timestamp has 16.
 * Requests are decided in order, all-or-nothing across a group's policies; a group writes each of
 * its keys once, before the next group reads (so a key in two groups stays exact).
 */
export const GCRA_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local s = ARGV[1]
local a = 1
local groups
groups, a = struct.unpack('<d', s, a)
local kbase = 0
local out = {}
local k = 0
-- Reused by every group (indices 1..p are overwritten): no table allocations per key.
local em, tol, sl, tat, dirty, askAt, askOf = {}, {}, {}, {}, {}, {}, {}
for g = 1, groups do
  local p
  p, a = struct.unpack('<d', s, a)
  local unreadable = false
  for j = 1, p do
    dirty[j] = false
    em[j], tol[j], a = struct.unpack('<dd', s, a)
    -- Rounding slack (see gcra.ts): each stored TAT rounds up by < 1 us and each sum by 0.25 us.
    sl[j] = math.min(em[j] / 2, math.max(em[j] / 1000, (tol[j] / em[j] + 2) * 1.5))
    local v = redis.pcall('GET', KEYS[kbase + j])
    local x = now
    if type(v) == 'table' then
      unreadable = true
    elseif v then
      x = tonumber(v)
      if x == nil then
        unreadable = true
        x = now
      elseif x < now then
        x = now
      end
    end
    tat[j] = x
  end
  local n
  n, a = struct.unpack('<d', s, a)
  local asks = 0
  for i = 1, n do
    local cost, spare
    cost, spare, a = struct.unpack('<dd', s, a)
    local ok = 1
    if unreadable then
      ok = -1
    else
      for j = 1, p do
        if tat[j] + em[j] * cost - now > tol[j] + sl[j] then
          ok = 0
          break
        end
      end
    end
    if ok == 1 and cost ~= 0 then
      for j = 1, p do
        -- A negative cost returns units of an unused lease; never below now (a full bucket).
        local x = math.ceil(tat[j] + em[j] * cost)
        if x < now then x = now end
        tat[j] = x
        dirty[j] = true
      end
    end
    k = k + 1
    out[k] = ok
    k = k + 1
    out[k] = 0
    if ok == 1 and spare > 0 then
      asks = asks + 1
      askAt[asks] = k
      askOf[asks] = spare
    end
    for j = 1, p do
      k = k + 1
      out[k] = tat[j] - now
    end
  end
  -- Leases come out of what the group's requests left, after all of them: a request of the same
  -- tick is never refused for units leased to a node that may not spend them.
  for q = 1, asks do
    local spare = askOf[q]
    for j = 1, p do
      local s = math.floor((tol[j] - (tat[j] - now) + sl[j]) / em[j] / 2)
      if s < spare then spare = s end
    end
    if spare > 0 then
      local at = askAt[q]
      out[at] = spare
      for j = 1, p do
        tat[j] = math.ceil(tat[j] + em[j] * spare)
        dirty[j] = true
        out[at + j] = tat[j] - now
      end
    end
  end
  for j = 1, p do
    if dirty[j] then
      if tat[j] > now then
        redis.call('SET', KEYS[kbase + j], string.format('%.0f', tat[j]), 'PX', math.ceil((tat[j] - now) / 1000) + 1)
      else
        redis.call('DEL', KEYS[kbase + j])
      end
    end
  end
  kbase = kbase + p
end
return out
`;

/** SHA-1 of {@link GCRA_SCRIPT}, for EVALSHA. */
export const GCRA_SCRIPT_SHA = createHash("sha1").update(GCRA_SCRIPT).digest("hex");
