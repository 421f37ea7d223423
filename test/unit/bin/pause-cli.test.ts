import { describe, expect, it, vi } from "vitest";
import { COMMANDS } from "../../../src/bin/commands.js";
import { commandHelp } from "../../../src/bin/help-text.js";
import { json, runsServerHarness } from "./runs-server-harness.js";

/** `chorebot pause` against a stand-in server that records each request and answers as it is told. */
describe("chorebot pause", () => {
  const h = runsServerHarness((res) =>
    json(res, 202, { run: "r-1", message: "pausing: it stops after its current batch, keeping its checkpoint; Resume goes on from there" }),
  );

  it("posts the pause as the token's user, named as the CLI's, and prints the server's sentence", async () => {
    expect(await COMMANDS.pause!.run(["r/1"], {})).toBe(0);
    expect(h.seen).toEqual([
      expect.objectContaining({
        method: "POST",
        url: "/api/runs/r%2F1/pause",
        headers: expect.objectContaining({ authorization: "Bearer ghp_made_for_this_test", "x-chorebot-via": "cli" }),
        body: "null",
      }),
    ]);
    expect(h.out).toEqual(["pausing: it stops after its current batch, keeping its checkpoint; Resume goes on from there"]);
  });

  it("says a refusal in the server's words and exits 1", async () => {
    h.answer = (res) => json(res, 409, { run: "r-1", refusal: "not_iteration", error: "only an iteration can be paused; this run is not one" });
    expect(await COMMANDS.pause!.run(["r-1"], {})).toBe(1);
    expect(h.err).toEqual(["chorebot pause: only an iteration can be paused; this run is not one"]);
    expect(h.out).toEqual([]);
  });

  it("takes the dashboard's login when no token is set, and wants exactly one run", async () => {
    vi.stubEnv("GH_TOKEN", "");
    vi.stubEnv("DASHBOARD_USER", "ops");
    vi.stubEnv("DASHBOARD_PASSWORD", "s3cret");
    expect(await COMMANDS.pause!.run(["r-1"], {})).toBe(0);
    expect(h.seen[0]!.headers.authorization).toBe(`Basic ${Buffer.from("ops:s3cret").toString("base64")}`);
    await expect((async () => COMMANDS.pause!.run([], {}))()).rejects.toThrow(/which run/);
    await expect((async () => COMMANDS.pause!.run(["a", "b"], {}))()).rejects.toThrow(/unexpected argument "b"/);
    expect(h.seen).toHaveLength(1);
  });

  it("is in the help: what it does, and that Resume goes on from the checkpoint", () => {
    const help = commandHelp("pause", COMMANDS.pause!).replace(/\s+/g, " ");
    expect(help).toContain("Usage: chorebot pause <run>");
    expect(help).toContain("Pause a running iteration: it stops after its current batch, keeping its checkpoint; chorebot resume <run> goes on from there.");
    expect(commandHelp("resume", COMMANDS.resume!).replace(/\s+/g, " ")).toContain("or a paused iteration");
  });
});
