import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { UsageError } from "../../../src/bin/command.js";
import { COMMANDS } from "../../../src/bin/commands.js";

/** The decision commands against a stand-in server that records each request and answers as it is told. */
describe("chorebot approve, reject, signal, resume and rollback", () => {
  let server: Server;
  let seen: { method: string; url: string; headers: IncomingMessage["headers"]; body: string }[];
  let answer: (res: ServerResponse) => void;
  let out: string[];
  let err: string[];

  beforeEach(async () => {
    seen = [];
    out = [];
    err = [];
    answer = (res) => json(res, 202, { run: "r-1", moves: true, message: "approved (1 of 1): the run starts" });
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

  it("posts each decision as the token's user, named as the CLI's, and prints the server's sentence", async () => {
    for (const name of ["approve", "reject", "resume", "rollback"]) {
      expect(await COMMANDS[name]!.run(["r/1"], {})).toBe(0);
      expect(seen.at(-1)).toMatchObject({
        method: "POST",
        url: `/api/runs/r%2F1/${name}`,
        headers: { authorization: "Bearer ghp_made_for_this_test", "x-chorebot-via": "cli" },
      });
    }
    expect(out).toEqual(Array(4).fill("approved (1 of 1): the run starts"));
  });

  it("sends a signal's payload as the JSON body (null without --payload)", async () => {
    expect(await COMMANDS.signal!.run(["r-1", "deploy-done"], { payload: '{"ticket": "OPS-1", "n": [1, 2]}' })).toBe(0);
    expect(seen[0]).toMatchObject({ url: "/api/runs/r-1/signals/deploy-done", headers: { "content-type": "application/json" } });
    expect(JSON.parse(seen[0]!.body)).toEqual({ ticket: "OPS-1", n: [1, 2] });
    expect(await COMMANDS.signal!.run(["r-1", "deploy-done"], {})).toBe(0);
    expect(seen[1]!.body).toBe("null");
  });

  it("refuses a payload that is not JSON, a name that is no signal's, and the approval signal, before asking the server", async () => {
    await expect((async () => COMMANDS.signal!.run(["r-1", "done"], { payload: "{ticket: OPS-1}" }))()).rejects.toThrow(UsageError);
    await expect((async () => COMMANDS.signal!.run(["r-1", "../cancel"], {}))()).rejects.toThrow(/not a signal name/);
    await expect((async () => COMMANDS.signal!.run(["r-1", "approval"], {}))()).rejects.toThrow(/chorebot approve r-1/);
    await expect((async () => COMMANDS.approve!.run([], {}))()).rejects.toThrow(/which run/);
    expect(seen).toEqual([]);
  });

  it("says a refusal in the server's words and exits 1", async () => {
    answer = (res) => json(res, 403, { run: "r-1", refusal: "own_request", error: "you asked for this run, so you cannot approve it" });
    expect(await COMMANDS.approve!.run(["r-1"], {})).toBe(1);
    expect(err).toEqual(["chorebot approve: you asked for this run, so you cannot approve it"]);
    expect(out).toEqual([]);
  });

  it("Resume and Roll back take the dashboard's login when no token is set; approving needs a token", async () => {
    vi.stubEnv("GH_TOKEN", "");
    vi.stubEnv("DASHBOARD_USER", "ops");
    vi.stubEnv("DASHBOARD_PASSWORD", "s3cret");
    expect(await COMMANDS.resume!.run(["r-1"], {})).toBe(0);
    expect(seen[0]!.headers.authorization).toBe(`Basic ${Buffer.from("ops:s3cret").toString("base64")}`);
    expect(await COMMANDS.approve!.run(["r-1"], {})).toBe(2);
    expect(err.join("\n")).toContain("GH_TOKEN");
    expect(seen).toHaveLength(1);
  });
});
