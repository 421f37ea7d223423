import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { COMMANDS } from "../../../src/bin/commands.js";
import { commandHelp } from "../../../src/bin/help-text.js";

/** `chorebot pause` against a stand-in server that records each request and answers as it is told. */
describe("chorebot pause", () => {
  let server: Server;
  let seen: { method: string; url: string; headers: IncomingMessage["headers"]; body: string }[];
  let answer: (res: ServerResponse) => void;
  let out: string[];
  let err: string[];

  beforeEach(async () => {
    seen = [];
    out = [];
    err = [];
    answer = (res) => json(res, 202, { run: "r-1", message: "pausing: it stops after its current batch, keeping its checkpoint; Resume goes on from there" });
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        answer(res);
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    vi.stubEnv("CHOREBOT_URL", `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    vi.stubEnv("GH_TOKEN", "ghp_made_for_this_test");
    vi.stubEnv("GITHUB_TOKEN", "");
    vi.stubEnv("DASHBOARD_USER", "");
    vi.stubEnv("DASHBOARD_PASSWORD", "");
    vi.spyOn(console, "log").mockImplementation((line: string) => void out.push(line));
    vi.spyOn(console, "error").mockImplementation((line: string) => void err.push(line));
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    server.close();
    await once(server, "close");
  });

  function json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  }

  it("posts the pause as the token's user, named as the CLI's, and prints the server's sentence", async () => {
    expect(await COMMANDS.pause!.run(["r/1"], {})).toBe(0);
    expect(seen).toEqual([
      expect.objectContaining({
        method: "POST",
        url: "/api/runs/r%2F1/pause",
        headers: expect.objectContaining({ authorization: "Bearer ghp_made_for_this_test", "x-chorebot-via": "cli" }),
        body: "null",
      }),
    ]);
    expect(out).toEqual(["pausing: it stops after its current batch, keeping its checkpoint; Resume goes on from there"]);
  });

  it("says a refusal in the server's words and exits 1", async () => {
    answer = (res) => json(res, 409, { run: "r-1", refusal: "not_iteration", error: "only an iteration can be paused; this run is not one" });
    expect(await COMMANDS.pause!.run(["r-1"], {})).toBe(1);
    expect(err).toEqual(["chorebot pause: only an iteration can be paused; this run is not one"]);
    expect(out).toEqual([]);
  });

  it("takes the dashboard's login when no token is set, and wants exactly one run", async () => {
    vi.stubEnv("GH_TOKEN", "");
    vi.stubEnv("DASHBOARD_USER", "ops");
    vi.stubEnv("DASHBOARD_PASSWORD", "s3cret");
    expect(await COMMANDS.pause!.run(["r-1"], {})).toBe(0);
    expect(seen[0]!.headers.authorization).toBe(`Basic ${Buffer.from("ops:s3cret").toString("base64")}`);
    await expect((async () => COMMANDS.pause!.run([], {}))()).rejects.toThrow(/which run/);
    await expect((async () => COMMANDS.pause!.run(["a", "b"], {}))()).rejects.toThrow(/unexpected argument "b"/);
    expect(seen).toHaveLength(1);
  });

  it("is in the help: what it does, and that Resume goes on from the checkpoint", () => {
    const help = commandHelp("pause", COMMANDS.pause!).replace(/\s+/g, " ");
    expect(help).toContain("Usage: chorebot pause <run>");
    expect(help).toContain("Pause a running iteration: it stops after its current batch, keeping its checkpoint; chorebot resume <run> goes on from there.");
    expect(commandHelp("resume", COMMANDS.resume!).replace(/\s+/g, " ")).toContain("or a paused iteration");
  });
});
