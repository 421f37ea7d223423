import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, vi } from "vitest";

/** A JSON answer from the stand-in server. */
export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

/**
 * A stand-in runs API for the CLI's commands, before each test: a server that records each
 * request (`seen`) and answers as `answer` says (`first` until a test says otherwise), the
 * CLI's environment pointed at it with a user token (GH_TOKEN; no dashboard login), and the
 * console's lines captured (`out`, `err`). Registers its own hooks.
 */
export function runsServerHarness(first: (res: ServerResponse) => void) {
  let server: Server;
  const h = {
    seen: [] as { method: string; url: string; headers: IncomingMessage["headers"]; body: string }[],
    answer: first,
    out: [] as string[],
    err: [] as string[],
  };

  beforeEach(async () => {
    h.seen = [];
    h.out = [];
    h.err = [];
    h.answer = first;
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        h.seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        h.answer(res);
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    vi.stubEnv("CHOREBOT_URL", `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    vi.stubEnv("GH_TOKEN", "ghp_made_for_this_test");
    vi.stubEnv("GITHUB_TOKEN", "");
    vi.stubEnv("DASHBOARD_USER", "");
    vi.stubEnv("DASHBOARD_PASSWORD", "");
    vi.spyOn(console, "log").mockImplementation((line: string) => void h.out.push(line));
    vi.spyOn(console, "error").mockImplementation((line: string) => void h.err.push(line));
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    server.close();
    await once(server, "close");
  });
  return h;
}
