import type { RedisClient } from "./redis-client.js";

/**
 * What stopping needs when Redis may be gone. A client of the app's Redis never fails a
 * command while Redis is unreachable (`maxRetriesPerRequest: null`: it holds it until it
 * reconnects), and BullMQ's close waits on such commands, so every wait of a shutdown is
 * bounded here and Redis being unreachable ends it early.
 */

/** Whether `promise` settled within `ms` (it is not cancelled: it may settle later, or never). */
export async function settledWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether Redis answers `client` now: connected, and a PING back within `ms`. */
export async function answers(client: RedisClient, ms: number): Promise<boolean> {
  if (client.status !== "ready") return false;
  const ping = client.ping().then(
    () => true,
    () => false,
  );
  return (await settledWithin(ping, ms)) && (await ping);
}

/**
 * Resolves once Redis does not answer `client` (now, or when its connection drops later);
 * a Redis that hangs counts once a PING goes unanswered for `ms`. Stops listening when
 * `signal` aborts (then it never resolves).
 */
export async function redisGone(client: RedisClient, ms: number, signal: AbortSignal): Promise<void> {
  if (!(await answers(client, ms))) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      client.off("close", done);
      signal.removeEventListener("abort", stop);
      resolve();
    };
    const stop = () => {
      client.off("close", done);
    };
    if (signal.aborted) return;
    client.on("close", done);
    signal.addEventListener("abort", stop, { once: true });
  });
}
