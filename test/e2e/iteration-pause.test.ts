import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";
import { eventually, iterationScript, parkedRecord, pause, processed, repeated, upTo } from "./iteration-scripts.js";
import { apiRun, decide, runRecord } from "./workflow-scripts.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { JOB_LOCK_MS: "5000" } });
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe("an iteration over 1,000 items in batches of 50", () => {
  it("pauses after its current batch when asked, processes nothing while paused, and resumes from its checkpoint: every item once, one log", async () => {
    const name = "it-paused";
    const path = `scripts/${name}.ts`;
    const merged = await h.mergeAndPush({ [path]: iterationScript(name, { items: 1000, batchSize: 50, itemMs: 4 }) });
    const runId = merged.runIds[path]!;
    expect(await eventually(async () => (await processed(h, name)).length >= 200, 60_000)).toBe(true);

    const asked = await pause(h, runId);
    expect(asked.status).toBe(202);
    // Asked twice: the second is refused, the first stands.
    expect((await pause(h, runId)).status).toBe(409);
    expect(await eventually(async () => (await parkedRecord(h, runId))?.kind === "paused", 30_000)).toBe(true);
    const atPause = (await processed(h, name)).length;
    // Stopped after a batch: a whole number of batches, short of the end.
    expect(atPause % 50).toBe(0);
    expect(atPause).toBeLessThan(1000);
    expect(await apiRun(h, runId)).toMatchObject({ status: "paused" });
    // Nothing runs while it is paused: the side effects do not grow over two seconds (40 items' time).
    const still = await eventually(async () => (await processed(h, name)).length !== atPause, 2_000, 100);
    expect(still).toBe(false);
    // A second pause of a paused run, and a signal, are refused.
    expect((await pause(h, runId)).status).toBe(409);
    expect((await decide(h, runId, "signals/go", h.gh.personalToken("bob"), {})).status).toBe(409);
    expect((await processed(h, name)).length).toBe(atPause);

    expect((await decide(h, runId, "resume", null)).status).toBe(202);
    const recorded = await h.waitForRun(runId);
    expect(recorded.status).toBe("succeeded");
    const items = await processed(h, name);
    expect(items.map((entry) => entry.item)).toEqual(upTo(1000));
    expect(repeated(items)).toEqual([]);

    // One log, with who paused and who resumed.
    const record = await runRecord(h, runId, recorded.logPath);
    expect(record.log.frontMatter).toMatchObject({ status: "succeeded", attempt: 1 });
    expect((record.log.frontMatter.decisions as { kind: string }[]).map((d) => d.kind)).toEqual(["pause", "resume"]);
    expect(await h.gh.readFile(h.gh.defaultBranch, recorded.logPath.replace(/\.md$/, "-attempt-2.md"))).toBeUndefined();
    expect(await parkedRecord(h, runId)).toBeNull();
    // Over: neither a pause nor a resume is taken any more.
    expect((await pause(h, runId)).status).toBe(409);
    expect((await decide(h, runId, "resume", null)).status).toBe(409);
  }, 180_000);

  it("is cancelled while paused: nothing more is processed, and the log says who and after how many items", async () => {
    const name = "it-paused-cancelled";
    const path = `scripts/${name}.ts`;
    const merged = await h.mergeAndPush({ [path]: iterationScript(name, { items: 1000, batchSize: 50, itemMs: 4 }) });
    const runId = merged.runIds[path]!;
    expect(await eventually(async () => (await processed(h, name)).length >= 100, 60_000)).toBe(true);
    expect((await pause(h, runId)).status).toBe(202);
    expect(await eventually(async () => (await parkedRecord(h, runId))?.kind === "paused", 30_000)).toBe(true);
    const atPause = (await processed(h, name)).length;
    expect((await decide(h, runId, "cancel", null, { by: "carol" })).status).toBe(202);
    const recorded = await h.waitForRun(runId);
    expect(recorded.status).toBe("cancelled");
    expect((await processed(h, name)).length).toBe(atPause);
    const record = await runRecord(h, runId, recorded.logPath);
    expect(String(record.log.frontMatter.message)).toBe(`cancelled by carol while paused after ${atPause} items; nothing more was processed`);
  }, 180_000);
});

describe("an iteration that throttles itself", () => {
  it("waits its pause between batches: each batch's first item at least 300 ms after the previous batch's last", async () => {
    const name = "it-throttled";
    const path = `scripts/${name}.ts`;
    const merged = await h.mergeAndPush({ [path]: iterationScript(name, { items: 100, batchSize: 20, pause: "300ms" }) });
    const recorded = await h.waitForRun(merged.runIds[path]!);
    expect(recorded.status).toBe("succeeded");
    const items = await processed(h, name);
    expect(items.map((entry) => entry.item)).toEqual(upTo(100));
    const gaps = [20, 40, 60, 80].map((last) => items[last]!.at - items[last - 1]!.at);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(300);
    // Within a batch, no such wait.
    expect(items[10]!.at - items[9]!.at).toBeLessThan(300);
  }, 120_000);
});
