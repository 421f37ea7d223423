import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";
import { recordingScript } from "./scripts.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ appArgs: ["start", "--no-workers"] });
});
afterAll(async () => {
  await h?.close();
});

describe("web and workers in separate processes", () => {
  it("`start --no-workers` only queues; a `chorebot worker` process sharing the Redis runs the script", async () => {
    expect(h.app.lines.some((line) => String(line.msg).startsWith("workers started"))).toBe(false);
    const path = "scripts/split.ts";
    const merged = await h.mergeAndPush({ [path]: recordingScript("split") });
    // The web process only stored the push; nothing is discovered or run without a worker.
    expect(await h.queues.discover.getJobCounts("waiting")).toEqual({ waiting: 1 });
    expect(await h.queues.process.getJob(merged.runIds[path]!)).toBeUndefined();

    const worker = await h.spawnApp(["worker"]);
    expect(worker.url).toBeNull();
    const result = await h.waitForRun(merged.runIds[path]!);
    expect(result.status).toBe("succeeded");
    expect((await h.executions()).filter((line) => line === "split")).toHaveLength(1);
    expect(worker.process.lines.some((line) => String(line.msg).startsWith("Listening on"))).toBe(false);
  });
});
