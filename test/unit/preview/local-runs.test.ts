import { access, readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../../src/bin/command.js";
import type { CatalogEntry, IndexedChore, RepoCatalog } from "../../../src/catalog-types.js";
import type { ChoreRunRequest } from "../../../src/chores/chores-pages-deps.js";
import { LocalRuns, type ExecuteLocally } from "../../../src/preview/local-runs.js";
import type { ExecutionResult } from "../../../src/run-types.js";

const chore: IndexedChore = {
  name: "billing/greet",
  path: "chores/billing/greet.ts",
  commit: "a".repeat(40),
  committedAt: "2026-12-06T00:00:00.000Z",
  blob: "b".repeat(40),
  description: {
    description: null,
    inputs: { who: { type: "string", required: true }, token: { type: "string", required: false, secret: true }, list: { type: "file", required: false } },
    concurrency: "self",
    timeoutMs: null,
    env: null,
  },
  provenance: { pullRequest: null, approvedBy: [], refusal: null },
  files: ["chores/billing/greet.ts"],
  minApprovals: 0,
};
const catalog = { owner: "local", repo: "app", chores: [] as CatalogEntry[] } as RepoCatalog;
const request = (requestKey: string, o: Partial<ChoreRunRequest> = {}): ChoreRunRequest => ({
  catalog,
  chore,
  requestedBy: "ada",
  requestKey,
  values: { who: "bob" },
  files: {},
  ...o,
});

function execution(status: ExecutionResult["status"], o: Partial<ExecutionResult> = {}): ExecutionResult {
  return {
    status,
    exitCode: status === "succeeded" ? 0 : null,
    signal: null,
    startedAt: "2026-12-06T10:00:00.000Z",
    finishedAt: "2026-12-06T10:00:01.000Z",
    durationMs: 1000,
    output: { lines: [{ t: 5, stream: "stdout", text: "hello bob" }], omittedBytes: 0, omittedAt: null },
    message: null,
    ...o,
  };
}

/** An execute stand-in whose runs end when the test says. */
function controlled() {
  const calls: { o: Parameters<ExecuteLocally>[0]; end: (result: ExecutionResult) => void; fail: (error: Error) => void }[] = [];
  const waiters: (() => void)[] = [];
  const execute: ExecuteLocally = (o) =>
    new Promise((resolve, reject) => {
      calls.push({
        o,
        end: (result) => resolve({ execution: result, redacted: result, logPath: "/repo/.chorebot/runs/chores/billing/greet.ts-x.md" }),
        fail: reject,
      });
      waiters.splice(0).forEach((wake) => wake());
    });
  const started = async (count: number) => {
    while (calls.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
    return calls[count - 1]!;
  };
  return { execute, calls, started };
}

const runsWith = (execute: ExecuteLocally, kept?: number) =>
  new LocalRuns({ execute, root: "/repo", logUrl: (runId) => `http://127.0.0.1:1/preview/logs/${runId}`, ...(kept ? { kept } : {}) });

describe("LocalRuns", () => {
  it("shows a run as it goes (output, log lines, counters, progress), then as it ended, with its log", async () => {
    const { execute, started } = controlled();
    const runs = runsWith(execute);
    const { runId } = runs.start(request("key-0000000000000001", { values: { who: "bob", token: "s3cret-token-value" } }));
    expect(runs.run(runId)).toMatchObject({
      status: "running",
      repository: "local/app",
      script: "chores/billing/greet.ts",
      commit: "a".repeat(40),
      trigger: "ui",
      requested_by: "ada",
      chore: "billing/greet",
      inputs: { who: "bob", token: { secret: true } },
      output: [],
      log: null,
    });
    const call = await started(1);
    expect(call.o.file).toBe("chores/billing/greet.ts");
    expect(call.o.inputs).toEqual({ who: "bob", token: "s3cret-token-value" });
    call.o.onLine({ t: 1, stream: "stdout", text: "<b>hi</b>" });
    call.o.onReport({ type: "log", message: "working" });
    call.o.onReport({ type: "counter", name: "sent", op: "set", value: 2 });
    call.o.onReport({ type: "progress", done: 1, total: 4 });
    expect(runs.run(runId)).toMatchObject({
      status: "running",
      counters: { sent: 2 },
      progress: 25,
      progress_done: 1,
      progress_total: 4,
      output: [
        { t: 1, stream: "stdout", text: "<b>hi</b>" },
        { stream: "log", text: "working" },
      ],
    });
    call.end(
      execution("succeeded", {
        report: {
          inputs: null,
          counters: { sent: 3 },
          progress: { done: 4, total: 4 },
          result: { ok: true },
          failReason: null,
          logs: [],
          droppedLogs: 0,
          rejectedLines: 0,
        },
      }),
    );
    await runs.stop("ada");
    expect(runs.run(runId)).toMatchObject({
      status: "succeeded",
      started_at: "2026-12-06T10:00:00.000Z",
      finished_at: "2026-12-06T10:00:01.000Z",
      progress: 100,
      progress_done: 4,
      progress_total: 4,
      duration_ms: 1000,
      counters: { sent: 3 },
      result: { ok: true },
      output: [{ t: 5, stream: "stdout", text: "hello bob" }],
      log: { path: ".chorebot/runs/chores/billing/greet.ts-x.md", url: `http://127.0.0.1:1/preview/logs/${runId}` },
    });
    expect(runs.logPath(runId)).toBe("/repo/.chorebot/runs/chores/billing/greet.ts-x.md");
  });

  it("starts one run for one request key, and lists a chore's runs newest first", async () => {
    const { execute, calls, started } = controlled();
    const runs = runsWith(execute);
    const first = runs.start(request("key-0000000000000001"));
    expect(runs.start(request("key-0000000000000001"))).toEqual(first);
    const second = runs.start(request("key-0000000000000002"));
    await started(2);
    expect(calls).toHaveLength(2);
    expect(runs.history("local", "app", "billing/greet", 10).map((run) => run.id)).toEqual([second.runId, first.runId]);
    expect(runs.history("local", "app", "billing/greet", 1).map((run) => run.id)).toEqual([second.runId]);
    expect(runs.history("local", "app", "other", 10)).toEqual([]);
    calls.forEach((call) => call.end(execution("succeeded")));
    await runs.stop("ada");
  });

  it("cancels a run under way on behalf of who asked, and leaves a finished one alone", async () => {
    const { execute, started } = controlled();
    const runs = runsWith(execute);
    const { runId } = runs.start(request("key-0000000000000001"));
    const call = await started(1);
    runs.cancel(runId, "ada");
    expect(call.o.signal.aborted).toBe(true);
    call.end(execution("cancelled", { message: "cancelled" }));
    await runs.stop("ada");
    expect(runs.run(runId)).toMatchObject({ status: "cancelled", message: "cancelled by ada" });
    runs.cancel(runId, "bob");
    expect(runs.run(runId)).toMatchObject({ status: "cancelled", message: "cancelled by ada" });
  });

  it("writes an upload to a private file the run is given the path of, and removes it when the run ends", async () => {
    const { execute, started } = controlled();
    const runs = runsWith(execute);
    runs.start(request("key-0000000000000001", { files: { list: { filename: "../../ids.csv", bytes: Buffer.from("a\nb\n") } } }));
    const call = await started(1);
    const path = call.o.inputs.list!;
    expect(path).not.toContain("..");
    expect(await readFile(path, "utf8")).toBe("a\nb\n");
    call.end(execution("succeeded"));
    await runs.stop("ada");
    await expect(access(path)).rejects.toThrow();
  });

  it("records a run chorebot run refuses as refused, and one that cannot start as failed", async () => {
    const { execute, started } = controlled();
    const runs = runsWith(execute);
    const refused = runs.start(request("key-0000000000000001"));
    (await started(1)).fail(new UsageError("chores/billing/greet.ts: the script's env asks for DB_URL, which SCRIPT_ENV does not allow"));
    const failed = runs.start(request("key-0000000000000002"));
    (await started(2)).fail(new Error("EACCES"));
    await runs.stop("ada");
    expect(runs.run(refused.runId)).toMatchObject({ status: "refused", message: expect.stringMatching(/SCRIPT_ENV does not allow/), log: null });
    expect(runs.run(failed.runId)).toMatchObject({ status: "failed", message: "it could not start: EACCES" });
  });

  it("forgets the oldest finished runs past its bound, and refuses a run when every kept one is under way", async () => {
    const { execute, calls, started } = controlled();
    const runs = runsWith(execute, 2);
    const first = runs.start(request("key-0000000000000001"));
    const second = runs.start(request("key-0000000000000002"));
    await started(2);
    expect(() => runs.start(request("key-0000000000000003"))).toThrow(/2 runs are under way already/);
    calls[0]!.end(execution("succeeded"));
    while (runs.run(first.runId)?.finished_at === null) await new Promise((resolve) => setImmediate(resolve));
    const third = runs.start(request("key-0000000000000003"));
    expect(runs.run(first.runId)).toBeNull();
    expect(runs.run(second.runId)).not.toBeNull();
    expect(runs.run(third.runId)).not.toBeNull();
    (await started(3)).end(execution("succeeded"));
    calls[1]!.end(execution("succeeded"));
    await runs.stop("ada");
  });
});
