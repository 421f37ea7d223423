import type { IncomingMessage } from "node:http";
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";

/**
 * Failed basic-auth attempts per client, in memory (one process; a restart forgets them).
 * Once a client has `max` failures (default 10) in a window of `windowSeconds` (default 15
 * minutes, counted from its first failure), every request from it is refused until the
 * window passes, with the right password too, so guessing cannot go on. A success resets
 * nothing: a client that shares an address with a guesser must not be able to clear the
 * guesser's count. Everything behind one login shares one instance (see startApp), so the
 * limit is the same however the guesses are spread over the dashboard and the API.
 */
export class FailedLogins {
  readonly #max: number;
  readonly #limiter: RateLimiterMemory;

  constructor(max = 10, windowSeconds = 15 * 60) {
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError("maxFailedLogins must be a positive integer");
    if (!Number.isFinite(windowSeconds) || windowSeconds <= 0) {
      throw new RangeError("failedLoginWindowSeconds must be a positive number");
    }
    this.#max = max;
    this.#limiter = new RateLimiterMemory({ keyPrefix: "failed-login", points: max, duration: windowSeconds });
  }

  /** Seconds until `client` may try again, or null when it is not locked out. */
  async lockedFor(client: string): Promise<number | null> {
    const res = await this.#limiter.get(client);
    if (res === null || res.consumedPoints < this.#max || res.msBeforeNext <= 0) return null;
    return seconds(res.msBeforeNext);
  }

  /** Counts a failure; returns the seconds until `client` may try again if it is now past the limit. */
  async fail(client: string): Promise<number | null> {
    try {
      await this.#limiter.consume(client);
      return null;
    } catch (error) {
      if (error instanceof RateLimiterRes) return seconds(error.msBeforeNext);
      throw error;
    }
  }
}

/**
 * The address failures are counted against: the peer's, unless `trustProxy`, when it is the
 * one the nearest proxy appended to `X-Forwarded-For` (the last entry; earlier ones are
 * whatever the client claimed). Only turn `trustProxy` on behind a proxy that sets the header,
 * or every client could pick its own address.
 */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const header = req.headers["x-forwarded-for"];
    const joined = Array.isArray(header) ? header.join(",") : header;
    const last = joined
      ?.split(",")
      .map((part) => part.trim())
      .filter((part) => part !== "")
      .at(-1);
    if (last !== undefined) return normalise(last);
  }
  return normalise(req.socket.remoteAddress ?? "unknown");
}

/** One key per IPv4 client, whether it came in over IPv4 or as an IPv4-mapped IPv6 address. */
function normalise(address: string): string {
  return address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, "").toLowerCase();
}

function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
