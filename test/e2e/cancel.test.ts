import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRunLog } from "../../src/runlog/parse-run-log.js";
import { runOperatorChorebot } from "./chorebot-process.js";
import { DASHBOARD, startHarness, type Harness } from "./harness.js";
import { beaconScript } from "./scripts.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

/** `chorebot cancel <run> --by <name>` as an operator would run it: its exit code and all it printed. */
async function cancel(runId: string, by: string) {
  const { code, stdout, stderr } = await runOperatorChorebot(h.appUrl, DASHBOARD, ["cancel", runId, "--by", by]);
  return { code, output: stdout + stderr };
}

async function logOf(logPath: string) {
  return parseRunLog((await h.gh.readFile("main", logPath))!);
}

describe("cancelling runs", () => {
  it("stops a running script and a queued one, records who cancelled them, and never starts the queued one", async () => {
    h.beacon.answer("cancel-running", "hang");
    const merged = await h.mergeAndPush({
      "scripts/a-cancel-running.ts": beaconScript("cancel-running"),
      "scripts/b-cancel-waiting.ts": beaconScript("cancel-waiting"),
    });
    const running = merged.runIds["scripts/a-cancel-running.ts"]!;
    const waiting = merged.runIds["scripts/b-cancel-waiting.ts"]!;
    await h.beacon.next("cancel-running");

    // b is queued behind a (scripts of a merge run one at a time, in path order): its process step waits for a's cleanup.
    const first = await cancel(waiting, "carol");
    expect(first.code).toBe(0);
    expect(JSON.parse(first.output)).toMatchObject({ run: waiting, state: "queued", cancelled: true });
    const second = await cancel(running, "dave");
    expect(second.code).toBe(0);
    expect(JSON.parse(second.output)).toMatchObject({ run: running, state: "running" });

    const [a, b] = await Promise.all([h.waitForRun(running), h.waitForRun(waiting)]);
    expect([a.status, b.status]).toEqual(["cancelled", "cancelled"]);
    expect((await logOf(a.logPath)).frontMatter.message).toBe("cancelled by dave");
    expect((await logOf(b.logPath)).frontMatter.message).toBe("cancelled by carol before it started");
    expect(await h.timesRan("cancel-running")).toBe(1);
    expect(await h.timesRan("cancel-waiting")).toBe(0);

    const late = await cancel(running, "erin");
    expect(late.code).toBe(1);
    expect(late.output).toContain("finished");
  });
});
