import { refusalMessage, shortError, type RefusalKind } from "./redis-info.js";

/**
 * Work could not be queued because Redis refuses writes (full, read-only) or does not
 * answer. `status` 503 is what @octokit/webhooks' middleware answers a webhook whose handler
 * threw it (it uses a handler error's `status`), and the message tells the operator to
 * redeliver. The stack is left out on purpose, and so is the Redis error as a `cause` (pino
 * would print its stack): this is an expected condition, logged as one line, not a stack
 * trace per delivery. `detail` keeps a short, secret-free description of Redis' error.
 */
export class RedisUnavailableError extends Error {
  readonly status = 503;
  readonly kind: RefusalKind;
  readonly detail: string | null;

  constructor(kind: RefusalKind, redisError?: unknown) {
    super(refusalMessage(kind));
    this.name = "RedisUnavailableError";
    this.kind = kind;
    this.detail = redisError === undefined ? null : shortError(redisError);
    this.stack = `${this.name}: ${this.message}`;
  }
}
