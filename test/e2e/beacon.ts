import { once } from "node:events";
import { createServer, type Server } from "node:http";

/**
 * A tiny HTTP server scripts call (`await fetch(process.env.BEACON + "/name")`) so tests can
 * await "the script has started" as an event, and answer it (e.g. "hang" or "finish").
 */
export interface Beacon {
  url: string;
  /** Resolves at the next call to /name (or one already received and not yet awaited). */
  next(name: string): Promise<void>;
  /** What /name answers; default "ok". */
  answer(name: string, reply: string): void;
  /** The process id the script reported with its last call to /name. */
  pid(name: string): number | undefined;
  close(): Promise<void>;
}

export async function startBeacon(): Promise<Beacon> {
  const pending = new Map<string, number>();
  const waiters = new Map<string, (() => void)[]>();
  const replies = new Map<string, string>();
  const pids = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://beacon");
    const name = decodeURIComponent(url.pathname.slice(1));
    if (url.searchParams.has("pid")) pids.set(name, Number(url.searchParams.get("pid")));
    res.end(replies.get(name) ?? "ok");
    const waiting = waiters.get(name);
    if (waiting?.length) waiting.shift()!();
    else pending.set(name, (pending.get(name) ?? 0) + 1);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    next(name) {
      const seen = pending.get(name) ?? 0;
      if (seen > 0) {
        pending.set(name, seen - 1);
        return Promise.resolve();
      }
      return new Promise((resolve) => waiters.set(name, [...(waiters.get(name) ?? []), resolve]));
    },
    answer(name, reply) {
      replies.set(name, reply);
    },
    pid(name) {
      return pids.get(name);
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
