import { pino, type Logger } from "pino";

const MAX_FIELD = 2_000;

/**
 * The server's logger. Errors are serialized as usual, except that a webhook's raw body
 * (which @octokit/webhooks attaches to a signature error as `event.payload`) is replaced
 * by its size: a forged 25 MB delivery must cost one short log line, not 25 MB of logs.
 */
export function createLogger(level: string): Logger {
  return pino({
    name: "chorebot",
    level,
    serializers: { err: boundedError },
  });
}

/**
 * A part of the server's log (`http`, `redis`, `worker` …), as `"component":"http"` on each of
 * its lines: pino's own `name` key already says "chorebot", and a child's `name` would repeat it.
 */
export function componentLogger(log: Logger, component: string): Logger {
  return log.child({ component });
}

export function boundedError(error: unknown): Record<string, unknown> {
  const serialized = pino.stdSerializers.err(error as Error) as unknown as Record<string, unknown>;
  const event = serialized.event as { id?: unknown; name?: unknown; payload?: unknown } | undefined;
  if (event && typeof event === "object") {
    const size = typeof event.payload === "string" ? event.payload.length : JSON.stringify(event.payload ?? null).length;
    serialized.event = { id: event.id, name: event.name, payload: `(${size} characters, not logged)` };
  }
  for (const [key, value] of Object.entries(serialized)) {
    if (typeof value === "string" && value.length > MAX_FIELD && key !== "stack") {
      serialized[key] = `${value.slice(0, MAX_FIELD)}… (${value.length - MAX_FIELD} more characters)`;
    }
  }
  return serialized;
}
