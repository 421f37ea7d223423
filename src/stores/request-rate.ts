import type { Cluster, Redis } from "ioredis";

/** How many on-demand starts one user may ask for in one repository per window, by comment or API. */
export interface RateLimit {
  max: number;
  windowMs: number;
}

export const DEFAULT_REQUEST_RATE: RateLimit = { max: 10, windowMs: 60_000 };

/**
 * `/chorebot` commands one user may write in one repository per window, whatever they ask
 * (help, status, a refusal): each costs chorebot a reaction and a reply.
 */
export const DEFAULT_COMMAND_RATE: RateLimit = { max: 30, windowMs: 10 * 60_000 };

/** A request counted: allowed, or refused until `retryAfterMs` from now (`first`: the window's first refusal). */
export type RateVerdict = { allowed: true } | { allowed: false; retryAfterMs: number; first: boolean };

const COUNT = `
local n = redis.call("incr", KEYS[1])
local ttl = redis.call("pttl", KEYS[1])
-- A count without an expiry (left by anything but this script) would refuse its user for ever: give it a window.
if n == 1 or ttl < 0 then
  redis.call("pexpire", KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
`;

/**
 * Counts on-demand requests per user and repository in fixed windows, in Redis so every web
 * process shares one count: a flood of comments or API calls from one account starts at most
 * `max` runs a window. One key per (user, repository) with activity in the current window;
 * each expires with its window.
 */
export class RequestRate {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix: string,
    private readonly limit: RateLimit = DEFAULT_REQUEST_RATE,
    /** What is counted (one key space each): on-demand starts, or comment commands. */
    private readonly counted: "request-rate" | "command-rate" = "request-rate",
  ) {}

  async take(login: string, repo: { owner: string; repo: string }): Promise<RateVerdict> {
    const key = `${this.prefix}:${this.counted}:${[repo.owner, repo.repo, login].map((part) => encodeURIComponent(part.toLowerCase())).join(":")}`;
    const [count, ttl] = (await this.redis.eval(COUNT, 1, key, this.limit.windowMs)) as [number, number];
    return count <= this.limit.max ? { allowed: true } : { allowed: false, retryAfterMs: Math.max(ttl, 0), first: count === this.limit.max + 1 };
  }
}
