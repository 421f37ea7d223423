import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runOperatorChorebot } from "./chorebot-process.js";
import { DASHBOARD, startHarness, type Harness } from "./harness.js";
import { recordingScript } from "./scripts.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

/** `chorebot <args>` as an operator would run it, with the dashboard's login. */
const chorebot = (...args: string[]) => runOperatorChorebot(h.appUrl, DASHBOARD, args);

/** Resolves with the run's waiting reason once its execute job waits, delayed, for a freeze. */
async function frozenWaiting(runId: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const job = await h.queues.execute.getJob(runId);
    const waiting = (job?.progress as { waiting?: string } | undefined)?.waiting;
    if (job && waiting?.startsWith("frozen by ") && (await job.getState()) === "delayed") return waiting;
    if (Date.now() > deadline) throw new Error(`${runId} never waited for a freeze`);
    await sleep(50);
  }
}

/** A script that records its start, tells the beacon, then runs until the beacon `<name>-done` answers "go". */
function holdingScript(name: string): string {
  return recordingScript(
    name,
    `await fetch(process.env.BEACON + "/" + ${JSON.stringify(name)});
while ((await (await fetch(process.env.BEACON + "/" + ${JSON.stringify(`${name}-done`)})).text()) !== "go") await new Promise((r) => setTimeout(r, 100));`,
  );
}

describe("freezing runs during an incident", () => {
  it("holds a merged script with the reason in chorebot status, leaves a running script alone, and runs the held one once after unfreeze", async () => {
    const running = await h.mergeAndPush({ "scripts/already-running.ts": holdingScript("already-running") });
    await h.beacon.next("already-running");

    const frozen = await chorebot("freeze", "--reason", "db failover\n(incident 42)", "--by", "alice");
    expect(frozen.code).toBe(0);
    expect(JSON.parse(frozen.stdout)).toMatchObject({ freeze: { repo: null, by: "alice", reason: "db failover (incident 42)" } });

    const held = (await h.mergeAndPush({ "scripts/held.ts": recordingScript("held") })).runIds["scripts/held.ts"]!;
    // The script that was running when the freeze came finishes as it would have (and frees the one worker's slot).
    h.beacon.answer("already-running-done", "go");
    expect((await h.waitForRun(running.runIds["scripts/already-running.ts"]!)).status).toBe("succeeded");

    const reason = await frozenWaiting(held);
    expect(reason).toMatch(/^frozen by alice since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: db failover \(incident 42\)$/);
    const status = await chorebot("status", held);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ status: "waiting", waiting_reason: reason });
    expect(await h.timesRan("held")).toBe(0);
    const list = await chorebot("freeze", "--list");
    expect(JSON.parse(list.stdout)).toMatchObject({ freezes: [{ repo: null, by: "alice" }], history: [{ action: "freeze", by: "alice" }] });

    const unfrozen = await chorebot("unfreeze", "--reason", "failover done");
    expect(unfrozen.code).toBe(0);
    expect(JSON.parse(unfrozen.stdout)).toMatchObject({ unfrozen: { by: "alice" }, frozen: [] });
    expect((await h.waitForRun(held)).status).toBe("succeeded");
    expect(await h.timesRan("held")).toBe(1);
    expect((await h.queues.execute.getJob(held))!.attemptsMade).toBe(1);
    const again = await chorebot("unfreeze");
    expect(again.code).toBe(1);
    // The API's message, printed as a sentence.
    expect(again.stderr).toBe("nothing is frozen for every repository\n");
  }, 90_000);

  it("starts the runs it held in the order they were queued, each once, and a cancelled one never", async () => {
    expect((await chorebot("freeze", "--reason", "deploy in progress")).code).toBe(0);
    const first = (await h.mergeAndPush({ "scripts/order-1.ts": recordingScript("order-1") })).runIds["scripts/order-1.ts"]!;
    await frozenWaiting(first);
    const second = (await h.mergeAndPush({ "scripts/order-2.ts": recordingScript("order-2") })).runIds["scripts/order-2.ts"]!;
    await frozenWaiting(second);
    const third = (await h.mergeAndPush({ "scripts/order-3.ts": recordingScript("order-3") })).runIds["scripts/order-3.ts"]!;
    await frozenWaiting(third);

    // Cancel still works on a run held by a freeze: it is recorded without running, freeze or not.
    expect((await chorebot("cancel", second, "--by", "bob")).code).toBe(0);
    expect(await h.waitForRun(second)).toMatchObject({ status: "cancelled" });

    expect((await chorebot("unfreeze")).code).toBe(0);
    const results = await Promise.all([h.waitForRun(first), h.waitForRun(third)]);
    expect(results.map((result) => result.status)).toEqual(["succeeded", "succeeded"]);
    const ran = (await h.executions()).filter((line) => line.startsWith("order-"));
    expect(ran).toEqual(["order-1", "order-3"]);
  }, 90_000);

  it("a repository's freeze holds only that repository's runs", async () => {
    const other = await chorebot("freeze", "--repo", "someone-else/their-repo", "--reason", "their incident");
    expect(other.code).toBe(0);
    const free = (await h.mergeAndPush({ "scripts/not-ours.ts": recordingScript("not-ours") })).runIds["scripts/not-ours.ts"]!;
    expect((await h.waitForRun(free)).status).toBe("succeeded");

    const repo = `${h.gh.owner}/${h.gh.repo}`;
    expect((await chorebot("freeze", "--repo", repo.toUpperCase(), "--reason", "our incident")).code).toBe(0);
    const held = (await h.mergeAndPush({ "scripts/ours.ts": recordingScript("ours") })).runIds["scripts/ours.ts"]!;
    expect(await frozenWaiting(held)).toMatch(/: our incident$/);

    // The global unfreeze is not the repository's: it stays held.
    expect((await chorebot("unfreeze")).code).toBe(1);
    expect((await chorebot("unfreeze", "--repo", repo)).code).toBe(0);
    expect((await h.waitForRun(held)).status).toBe("succeeded");
    expect(await h.timesRan("ours")).toBe(1);

    const bad = await chorebot("freeze", "--repo", "*", "--reason", "everything?");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("repo must be a repository's owner/name");
    const missing = await chorebot("freeze");
    expect(missing.code).toBe(2);
    expect((await chorebot("unfreeze", "--repo", "someone-else/their-repo")).code).toBe(0);
  }, 90_000);
});
