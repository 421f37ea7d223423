import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { notRun } from "../../../src/steps/not-run.js";
import { ResultSpool, type SpooledOutcome } from "../../../src/stores/result-spool.js";

const entry = (runId: string): SpooledOutcome => ({
  data: { runId, target: {} as SpooledOutcome["data"]["target"] },
  outcome: {
    process: { provenance: { pullRequest: null, approvedBy: [], refusal: null }, alreadyHandled: null, description: null, problem: null },
    execution: notRun({ status: "failed", message: "it failed", detail: null }, new Date("2026-12-06T00:00:00Z")),
    runner: "host",
    attempt: 1,
  },
  finished: true,
});

describe("ResultSpool", () => {
  it("keeps an outcome on disk while storing it fails, and removes it once stored", async () => {
    const dir = join(await mkdtemp(join(tmpdir(), "spool-test-")), "spool");
    const errors: unknown[] = [];
    const kept: SpooledOutcome[] = [];
    const spool = new ResultSpool(dir, 5, { kept: (e, error) => (kept.push(e), errors.push(error)), retryFailed: (error) => errors.push(error) });
    const stored: SpooledOutcome[] = [];
    let onDisk: string[] = [];
    await spool.store(entry("run-a"), async (e) => {
      if (errors.length < 2) throw new Error("OOM command not allowed when used memory > 'maxmemory'");
      onDisk = await readdir(dir);
      stored.push(e);
    });
    expect(errors).toHaveLength(2);
    expect(kept).toEqual([entry("run-a")]);
    expect(onDisk).toEqual(["run-a-1.json"]);
    expect(stored).toEqual([entry("run-a")]);
    expect(await readdir(dir)).toEqual([]);
  });

  it("stores what an earlier process left on disk", async () => {
    const dir = join(await mkdtemp(join(tmpdir(), "spool-test-")), "spool");
    // An earlier process: Redis never took it, and the process stopped.
    let kept!: () => void;
    const keptOnDisk = new Promise<void>((resolve) => (kept = resolve));
    const earlier = new ResultSpool(dir, 5, { kept: () => kept(), retryFailed: () => undefined });
    const abandoned = earlier.store(entry("run-b"), async () => {
      throw new Error("READONLY You can't write against a read only replica.");
    });
    void abandoned.catch(() => undefined);
    await keptOnDisk;
    earlier.close();
    expect(JSON.parse(await readFile(join(dir, "run-b-1.json"), "utf8"))).toEqual(entry("run-b"));

    const stored: SpooledOutcome[] = [];
    expect(await new ResultSpool(dir, 5, { kept: () => undefined, retryFailed: () => undefined }).drain(async (e) => void stored.push(e))).toBe(1);
    expect(stored).toEqual([entry("run-b")]);
    expect(await readdir(dir)).toEqual([]);
  });

  it("keeps an outcome on disk when Redis does not answer within keepAfterMs, without a second attempt, and removes it once that attempt succeeds", async () => {
    const dir = join(await mkdtemp(join(tmpdir(), "spool-test-")), "spool");
    const kept: unknown[] = [];
    const spool = new ResultSpool(dir, 5, { kept: (_, error) => kept.push(error), retryFailed: () => expect.fail("no attempt failed") }, 20);
    // A client of an unreachable Redis: it neither stores nor refuses, it holds the command.
    let answer = () => undefined as void;
    let attempts = 0;
    const storing = spool.store(entry("run-c"), () => {
      attempts++;
      return new Promise<void>((resolve) => (answer = resolve));
    });
    const work = spool.hold("run-c", storing);
    expect(spool.unsafe()).toEqual(["run-c"]);
    await spool.whenSafe();
    expect(spool.unsafe()).toEqual([]);
    expect(String(kept[0])).toMatch(/did not take it within 20 ms/);
    expect(await readdir(dir)).toEqual(["run-c-1.json"]);
    expect(await spool.waiting()).toBe(1);

    answer();
    await work;
    expect(attempts).toBe(1);
    expect(await readdir(dir)).toEqual([]);
  });

  it("after close, stops trying and leaves the outcome on disk; the store never settles, so no one takes it as stored", async () => {
    const dir = join(await mkdtemp(join(tmpdir(), "spool-test-")), "spool");
    const spool = new ResultSpool(dir, 5, { kept: () => undefined, retryFailed: () => undefined }, 20);
    let attempts = 0;
    let settled = false;
    void spool
      .hold(
        "run-d",
        spool.store(entry("run-d"), async () => {
          attempts++;
          throw new Error("READONLY You can't write against a read only replica.");
        }),
      )
      .finally(() => (settled = true));
    await spool.whenSafe();
    spool.close();
    const triedBefore = attempts;
    // Longer than several retry periods: no attempt, no settling.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(attempts).toBe(triedBefore);
    expect(settled).toBe(false);
    expect(await readdir(dir)).toEqual(["run-d-1.json"]);
  });

  it("counts a held run whose work ends without an outcome as safe, and one still running as not", async () => {
    const spool = new ResultSpool(join(tmpdir(), "spool-unused"), 5, { kept: () => undefined, retryFailed: () => undefined });
    let finish = () => undefined as void;
    void spool.hold("run-f", new Promise<void>((resolve) => (finish = resolve)));
    await expect(spool.hold("run-e", Promise.reject(new Error("the bundle is gone")))).rejects.toThrow();
    expect(spool.unsafe()).toEqual(["run-f"]);
    finish();
    await spool.whenSafe();
    expect(spool.unsafe()).toEqual([]);
  });
});
