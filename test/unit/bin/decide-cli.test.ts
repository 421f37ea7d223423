import { describe, expect, it, vi } from "vitest";
import { UsageError } from "../../../src/bin/command.js";
import { COMMANDS } from "../../../src/bin/commands.js";
import { json, runsServerHarness } from "./runs-server-harness.js";

/** The decision commands against a stand-in server that records each request and answers as it is told. */
describe("chorebot approve, reject, signal, resume and rollback", () => {
  const h = runsServerHarness((res) => json(res, 202, { run: "r-1", moves: true, message: "approved (1 of 1): the run starts" }));

  it("posts each decision as the token's user, named as the CLI's, and prints the server's sentence", async () => {
    for (const name of ["approve", "reject", "resume", "rollback"]) {
      expect(await COMMANDS[name]!.run(["r/1"], {})).toBe(0);
      expect(h.seen.at(-1)).toMatchObject({
        method: "POST",
        url: `/api/runs/r%2F1/${name}`,
        headers: { authorization: "Bearer ghp_made_for_this_test", "x-chorebot-via": "cli" },
      });
    }
    expect(h.out).toEqual(Array(4).fill("approved (1 of 1): the run starts"));
  });

  it("sends a signal's payload as the JSON body (null without --payload)", async () => {
    expect(await COMMANDS.signal!.run(["r-1", "deploy-done"], { payload: '{"ticket": "OPS-1", "n": [1, 2]}' })).toBe(0);
    expect(h.seen[0]).toMatchObject({ url: "/api/runs/r-1/signals/deploy-done", headers: { "content-type": "application/json" } });
    expect(JSON.parse(h.seen[0]!.body)).toEqual({ ticket: "OPS-1", n: [1, 2] });
    expect(await COMMANDS.signal!.run(["r-1", "deploy-done"], {})).toBe(0);
    expect(h.seen[1]!.body).toBe("null");
  });

  it("refuses a payload that is not JSON, a name that is no signal's, and the approval signal, before asking the server", async () => {
    await expect((async () => COMMANDS.signal!.run(["r-1", "done"], { payload: "{ticket: OPS-1}" }))()).rejects.toThrow(UsageError);
    await expect((async () => COMMANDS.signal!.run(["r-1", "../cancel"], {}))()).rejects.toThrow(/not a signal name/);
    await expect((async () => COMMANDS.signal!.run(["r-1", "approval"], {}))()).rejects.toThrow(/chorebot approve r-1/);
    await expect((async () => COMMANDS.approve!.run([], {}))()).rejects.toThrow(/which run/);
    expect(h.seen).toEqual([]);
  });

  it("says a refusal in the server's words and exits 1", async () => {
    h.answer = (res) => json(res, 403, { run: "r-1", refusal: "own_request", error: "you asked for this run, so you cannot approve it" });
    expect(await COMMANDS.approve!.run(["r-1"], {})).toBe(1);
    expect(h.err).toEqual(["chorebot approve: you asked for this run, so you cannot approve it"]);
    expect(h.out).toEqual([]);
  });

  it("Resume and Roll back take the dashboard's login when no token is set; approving needs a token", async () => {
    vi.stubEnv("GH_TOKEN", "");
    vi.stubEnv("DASHBOARD_USER", "ops");
    vi.stubEnv("DASHBOARD_PASSWORD", "s3cret");
    expect(await COMMANDS.resume!.run(["r-1"], {})).toBe(0);
    expect(h.seen[0]!.headers.authorization).toBe(`Basic ${Buffer.from("ops:s3cret").toString("base64")}`);
    expect(await COMMANDS.approve!.run(["r-1"], {})).toBe(2);
    expect(h.err.join("\n")).toContain("GH_TOKEN");
    expect(h.seen).toHaveLength(1);
  });
});
