import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRunLog } from "../../src/runlog/parse-run-log.js";
import { mergeFailingBeforeStart } from "./fail-before-start.js";
import { DASHBOARD, startHarness, type Harness } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  // The web process only queues; two worker processes, each able to run four scripts at
  // once, share the Redis. Leases last 2 s (renewed every ~0.7 s); a waiting run checks every 1 s.
  h = await startHarness({ appArgs: ["start", "--no-workers"], env: { JOB_LOCK_MS: "2000", WORKER_CONCURRENCY: "4" } });
  await h.spawnApp(["worker"]);
  await h.spawnApp(["worker"]);
  await h.configure("order: parallel\n");
}, 120_000);
afterAll(async () => {
  await h?.close();
});

const dashboardAuth = { authorization: `Basic ${Buffer.from(`${DASHBOARD.user}:${DASHBOARD.password}`).toString("base64")}` };

/**
 * A script that records when it starts and ends, calls the beacon `name` once started, then
 * holds until the beacon `name-done` answers "go". `concurrency` null: a plain script
 * (top-level code); otherwise an SDK script that does it all in run().
 */
function holdingScript(name: string, concurrency: "none" | "self" | "global" | null): string {
  const body = `const record = (what: string) => appendFileSync(process.env.SIDE_EFFECTS!, ${JSON.stringify(name)} + " " + what + " " + Date.now() + "\\n");
record("start");
await fetch(process.env.BEACON + "/" + ${JSON.stringify(name)});
while ((await (await fetch(process.env.BEACON + "/" + ${JSON.stringify(`${name}-done`)})).text()) !== "go") await new Promise((r) => setTimeout(r, 100));
record("end");`;
  if (concurrency === null) return `import { appendFileSync } from "node:fs";\n${body}\n`;
  return `import { appendFileSync } from "node:fs";
import { defineScript } from "chorebot";
export default defineScript({
  concurrency: ${JSON.stringify(concurrency)},
  inputs: {},
  async run() {
${body}
  },
});
`;
}

/** Each execution of `name` as [start, end] (end: Infinity while it runs). */
async function intervals(name: string): Promise<[number, number][]> {
  const result: [number, number][] = [];
  for (const line of await h.executions()) {
    const [who, what, at] = line.split(" ");
    if (who !== name) continue;
    if (what === "start") result.push([Number(at), Infinity]);
    else if (what === "end") result[result.length - 1]![1] = Number(at);
  }
  return result;
}

const overlap = (a: [number, number], b: [number, number]) => a[0] < b[1] && b[0] < a[1];

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Resolves once the execute job of `runId` is delayed, waiting for the lock `reason` names. */
function waitingFor(runId: string, reason: string) {
  return until(`${runId} to wait for the lock`, async () => {
    const job = await h.queues.execute.getJob(runId);
    const state = await job?.getState();
    return state === "delayed" && (job!.progress as { waiting?: string }).waiting === reason ? job : undefined;
  });
}

async function waitingLogLines(runId: string): Promise<string[]> {
  return (await h.queues.execute.getJobLogs(runId)).logs.filter((line) => line.startsWith("waiting: "));
}

function retryExecute(runId: string) {
  return fetch(`${h.appUrl}/admin/queues/api/queues/execute/${encodeURIComponent(runId)}/retry`, { method: "PUT", headers: dashboardAuth });
}

async function logOf(path: string) {
  return parseRunLog((await h.gh.readFile("main", path))!);
}

describe("concurrency: global", () => {
  it("never runs two `global` scripts at once, across workers; the second waits its turn without losing the run", async () => {
    const a = "scripts/global-a.ts";
    const b = "scripts/global-b.ts";
    const startedA = h.beacon.next("global-a").then(() => "global-a" as const);
    const startedB = h.beacon.next("global-b").then(() => "global-b" as const);
    const merged = await h.mergeAndPush({ [a]: holdingScript("global-a", "global"), [b]: holdingScript("global-b", "global") });
    const runIds = { "global-a": merged.runIds[a]!, "global-b": merged.runIds[b]! };

    const first = await Promise.race([startedA, startedB]);
    const second = first === "global-a" ? "global-b" : "global-a";
    // The other run is queued, picked up, and put back to wait, its reason on show in the dashboard.
    const reason = `global lock held by ${runIds[first]}#1`;
    await waitingFor(runIds[second], reason);
    await sleep(2_500); // several checks of the lock, and several lease renewals
    expect(await intervals(second)).toEqual([]);
    expect(await h.queues.execute.getJobState(runIds[second])).toBe("delayed");

    h.beacon.answer(`${first}-done`, "go");
    await (first === "global-a" ? startedB : startedA);
    h.beacon.answer(`${second}-done`, "go");
    const results = await Promise.all([h.waitForRun(runIds[first]), h.waitForRun(runIds[second])]);
    expect(results.map((result) => result.status)).toEqual(["succeeded", "succeeded"]);

    const [runsA, runsB] = [await intervals("global-a"), await intervals("global-b")];
    expect(runsA).toHaveLength(1);
    expect(runsB).toHaveLength(1);
    expect(overlap(runsA[0]!, runsB[0]!)).toBe(false);
    // Waiting used no attempt: both are the merge's own first attempt, with one log each.
    for (const result of results) expect((await logOf(result.logPath)).frontMatter).toMatchObject({ status: "succeeded", attempt: 1 });
    expect(await waitingLogLines(runIds[second])).toEqual([`waiting: ${reason}`]);
    expect(await waitingLogLines(runIds[first])).toEqual([]);
    expect((await h.queues.execute.getJob(runIds[second]))!.progress).not.toHaveProperty("waiting", reason);
  });
});

describe("concurrency: none", () => {
  it("lets `none` scripts run at the same time", async () => {
    const a = "scripts/free-a.ts";
    const b = "scripts/free-b.ts";
    const started = Promise.all([h.beacon.next("free-a"), h.beacon.next("free-b")]);
    const merged = await h.mergeAndPush({ [a]: holdingScript("free-a", "none"), [b]: holdingScript("free-b", "none") });
    // Both started, and neither can end before the test lets it: they overlap.
    await started;
    h.beacon.answer("free-a-done", "go");
    h.beacon.answer("free-b-done", "go");
    const results = await Promise.all([h.waitForRun(merged.runIds[a]!), h.waitForRun(merged.runIds[b]!)]);
    expect(results.map((result) => result.status)).toEqual(["succeeded", "succeeded"]);
    const [runsA, runsB] = [await intervals("free-a"), await intervals("free-b")];
    expect(runsA).toHaveLength(1);
    expect(runsB).toHaveLength(1);
    expect(overlap(runsA[0]!, runsB[0]!)).toBe(true);
    expect(await waitingLogLines(merged.runIds[a]!)).toEqual([]);
    expect(await waitingLogLines(merged.runIds[b]!)).toEqual([]);
  });
});

describe("concurrency: self (the default, plain scripts too)", () => {
  it("runs one run of a script path at a time: a later merge waits, a person's retry is refused with its own log and stays retryable", async () => {
    const path = "scripts/self-path.ts";
    // Merge 1's first try fails before the script starts; a person will retry it.
    const first = await mergeFailingBeforeStart(h, { [path]: holdingScript("self-1", null) }, path);
    const run1 = first.runId;
    expect(first.first.status).toBe("failed");
    await first.restore();

    // A later merge adds the same path again and holds its lock while it runs.
    const second = await h.mergeAndPush({ [path]: holdingScript("self-2", null) });
    const run2 = second.runIds[path]!;
    expect(run2).not.toBe(run1);
    await h.beacon.next("self-2");

    // While run 2 holds the lock, a retry of run 1 is refused at once, recorded, and its job stays failed.
    expect((await retryExecute(run1)).status).toBe(204);
    const refused = await h.waitForRun(`${run1}-attempt-2`);
    expect(refused.status).toBe("refused");
    const refusedLog = await logOf(refused.logPath);
    expect(refusedLog.frontMatter).toMatchObject({ status: "refused", attempt: 2, message: `already running: ${run2}` });
    expect(await h.queues.execute.getJobState(run1)).toBe("failed");
    expect(await intervals("self-1")).toHaveLength(0);

    h.beacon.answer("self-2-done", "go");
    expect((await h.waitForRun(run2)).status).toBe("succeeded");

    // Once the lock is free, a retry runs, under a new attempt number and log.
    h.beacon.answer("self-1-done", "go");
    expect((await retryExecute(run1)).status).toBe(204);
    const attempt3 = await h.waitForRun(`${run1}-attempt-3`);
    expect(attempt3.status).toBe("succeeded");
    expect(new Set([first.first.logPath, refused.logPath, attempt3.logPath]).size).toBe(3);
    expect((await logOf(attempt3.logPath)).frontMatter).toMatchObject({ status: "succeeded", attempt: 3 });
    // …and the run now has a result: the dashboard will not run it again.
    expect((await retryExecute(run1)).status).toBe(403);

    const runs1 = await intervals("self-1");
    const runs2 = await intervals("self-2");
    expect(runs1).toHaveLength(1);
    expect(runs2).toHaveLength(1);
    expect(overlap(runs1[0]!, runs2[0]!)).toBe(false);
  }, 60_000);
});
