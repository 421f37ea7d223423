import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Handler } from "../../src/http/handler.js";

/** The Basic Authorization header of `user:password`. */
export function basicAuth(user: string, password: string): { Authorization: string } {
  return { Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` };
}

/** Serves `handler` on 127.0.0.1 like Probot's server: handlers first, then a 404 for whatever nobody answered. */
export async function serveHandler(handler: Handler | null): Promise<{ base: string; server: Server }> {
  if (handler === null) throw new Error("expected a handler");
  // The listener's promise is voided as Node ignores it anyway: a failure stays an unhandled rejection, which vitest reports.
  const server = createServer((req, res) => {
    void (async () => {
      if (!(await handler(req, res))) res.writeHead(404).end("not found");
    })();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
