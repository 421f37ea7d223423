import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRunLog } from "../../src/runlog/parse-run-log.js";
import { startHarness, type Harness } from "./harness.js";
import { beaconScript, recordingScript } from "./scripts.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

async function committedLog(logPath: string) {
  const text = await h.gh.readFile("main", logPath);
  expect(text, `${logPath} is committed`).toBeDefined();
  return parseRunLog(text!);
}

describe(".github/chorebot.yml (as on the default branch before the push)", () => {
  it("runs a merge's scripts one at a time in path order, and stopOnFailure refuses the rest", async () => {
    await h.configure("stopOnFailure: true\n");
    const merged = await h.mergeAndPush({
      "scripts/a-first.ts": recordingScript("order-a", `process.exit(2);`),
      "scripts/b-second.ts": recordingScript("order-b"),
      "scripts/c-third.ts": recordingScript("order-c"),
    });
    const [a, b, c] = await Promise.all(["scripts/a-first.ts", "scripts/b-second.ts", "scripts/c-third.ts"].map((path) => h.waitForRun(merged.runIds[path]!)));
    expect([a!.status, b!.status, c!.status]).toEqual(["failed", "refused", "refused"]);
    expect(String((await committedLog(b!.logPath)).frontMatter.message)).toBe(
      "scripts/a-first.ts ran before it in this merge and ended failed; the repository sets stopOnFailure",
    );
    expect(String((await committedLog(c!.logPath)).frontMatter.message)).toContain("scripts/b-second.ts ran before it");
    expect((await h.executions()).filter((line) => line.startsWith("order-"))).toEqual(["order-a"]);
  });

  it("without stopOnFailure, a failure does not stop the scripts after it, which still run in path order", async () => {
    await h.configure("stopOnFailure: false\n");
    const merged = await h.mergeAndPush({
      "scripts/z-last.ts": recordingScript("seq-z"),
      "scripts/m-middle.ts": recordingScript("seq-m", `throw new Error("middle broke");`),
      "scripts/a-start.ts": recordingScript("seq-a"),
    });
    const statuses = await Promise.all(
      ["scripts/a-start.ts", "scripts/m-middle.ts", "scripts/z-last.ts"].map(async (path) => (await h.waitForRun(merged.runIds[path]!)).status),
    );
    expect(statuses).toEqual(["succeeded", "failed", "succeeded"]);
    expect((await h.executions()).filter((line) => line.startsWith("seq-"))).toEqual(["seq-a", "seq-m", "seq-z"]);
  });

  it("honours scriptsDir, logsDir and a shorter timeout", async () => {
    h.beacon.answer("slow-ops", "hang");
    await h.configure("scriptsDir: ops/run\nlogsDir: ops/logs\ntimeout: 1\norder: parallel\n");
    const merged = await h.mergeAndPush({
      "ops/run/slow-ops.ts": beaconScript("slow-ops"),
      "scripts/not-in-scripts-dir.ts": recordingScript("ignored-dir"),
    });
    const result = await h.waitForRun(merged.runIds["ops/run/slow-ops.ts"]!);
    expect(result.status).toBe("timed_out");
    expect(result.logPath).toMatch(/^ops\/logs\/\d{4}\/\d{2}\/slow-ops\.ts-[0-9a-f]{12}\.md$/);
    expect(await h.gh.readFile("main", "ops/run/slow-ops.ts")).toBeUndefined();
    expect(await h.queues.cleanup.getJob(merged.runIds["scripts/not-in-scripts-dir.ts"]!)).toBeUndefined();
    expect(await h.timesRan("ignored-dir")).toBe(0);
  });

  it("refuses every script of a merge whose config is invalid, naming the bad key", async () => {
    await h.configure("requiredApprovals: 0\n");
    const merged = await h.mergeAndPush({
      "scripts/bad-config.ts": recordingScript("bad-config"),
    });
    const result = await h.waitForRun(merged.runIds["scripts/bad-config.ts"]!);
    expect(result.status).toBe("refused");
    expect(String((await committedLog(result.logPath)).frontMatter.message)).toBe(
      ".github/chorebot.yml: requiredApprovals: cannot be lower than the server's minimum of 1",
    );
    expect(await h.timesRan("bad-config")).toBe(0);
  });
});
