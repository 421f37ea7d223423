import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";
import { apiRun, decide, executeEvents, marks, runRecord, workflowScript } from "./workflow-scripts.js";

let h: Harness;
let events: Awaited<ReturnType<typeof executeEvents>>;
beforeAll(async () => {
  // Redis persists every write (appendonly, fsync always): restarting it loses nothing a parked run needs.
  h = await startHarness({ redisArgs: ["--appendonly", "yes", "--appendfsync", "always"], env: { JOB_LOCK_MS: "5000" } });
  events = await executeEvents(h);
}, 120_000);
afterAll(async () => {
  await events?.close();
  await h?.close();
});

/** Three steps; the second waits for the signal `approved` (its code before waitFor runs again when it goes on). */
const waitingWorkflow = (name: string, timeout: string) =>
  workflowScript(
    name,
    `steps: [
    step({ name: "reserve", run(state) { mark("run reserve"); console.log("reserved"); state.done.push("reserve"); }, rollback() { mark("undo reserve"); } }),
    step({
      name: "confirm",
      async run(state, { waitFor }) {
        mark("confirm started");
        console.log("asking for the go-ahead");
        const answer = await waitFor("approved", { timeout: "${timeout}" });
        mark("run confirm " + JSON.stringify(answer));
        console.log("confirmed");
        state.done.push("confirm");
      },
      rollback() { mark("undo confirm"); },
    }),
    step({ name: "finish", run() { mark("run finish"); } }),
  ],`,
  );

describe("a workflow that waits for a signal", () => {
  it("survives the restart of every process and of Redis, then goes on with the signal's payload in a fresh process: one run, one log", async () => {
    const name = "wf-waits";
    const path = `scripts/${name}.ts`;
    const merged = await h.mergeAndPush({ [path]: waitingWorkflow(name, "2d") });
    const runId = merged.runIds[path]!;
    await events.delayed(runId);
    expect(await marks(h, name)).toEqual(["run reserve", "confirm started"]);
    const waiting = await apiRun(h, runId);
    expect(waiting).toMatchObject({ status: "waiting", waiting: { signal: "approved", step: "confirm" } });
    expect(waiting.waiting_reason).toMatch(/approved/);

    // Everything stops and starts again: the web and worker process, and Redis itself.
    await h.app.stop();
    await h.redis.restart();
    await h.restartApp();
    expect(await apiRun(h, runId)).toMatchObject({ status: "waiting", waiting: { signal: "approved", step: "confirm" } });

    // The wrong signal, and a reader, change nothing.
    h.gh.setPermission("rita", "read");
    expect((await decide(h, runId, "signals/rejected", h.gh.personalToken("bob"), { ok: false })).status).toBe(409);
    expect((await decide(h, runId, "signals/approved", h.gh.personalToken("rita"), { ok: true })).status).toBe(403);
    expect(await marks(h, name)).toEqual(["run reserve", "confirm started"]);

    const payload = { approved: true, ticket: "OPS-42" };
    const answer = await decide(h, runId, "signals/approved", h.gh.personalToken("bob"), payload);
    expect(answer.status).toBe(202);
    // Delivered once: a second signal is refused, whoever sends it.
    expect((await decide(h, runId, "signals/approved", h.gh.personalToken("carol"), { approved: false })).status).toBe(409);

    const recorded = await h.waitForRun(runId);
    expect(recorded.status).toBe("succeeded");
    expect(await marks(h, name)).toEqual(["run reserve", "confirm started", "confirm started", `run confirm ${JSON.stringify(payload)}`, "run finish"]);
    const record = await runRecord(h, runId, recorded.logPath);
    expect(record.log.frontMatter).toMatchObject({ status: "succeeded", attempt: 1 });
    expect(record.log.frontMatter.decisions).toEqual([expect.objectContaining({ kind: "signal", by: "bob", via: "api", signal: "approved" })]);
    // Both processes' output, in order, a marker between them.
    const body = record.log.body;
    const order = ["reserved", "asking for the go-ahead", "waits for the signal", "asking for the go-ahead", "confirmed"].map((text, i, all) =>
      body.indexOf(text, i === 0 ? 0 : body.indexOf(all[i - 1]!) + 1),
    );
    expect(order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1]!))).toBe(true);
    // One log: no second attempt's.
    expect(await h.gh.readFile(h.gh.defaultBranch, recorded.logPath.replace(/\.md$/, "-attempt-2.md"))).toBeUndefined();
    expect(await h.queues.execute.getJobState(runId)).toBe("completed");
  }, 180_000);

  it("rolls back on its own when the wait times out: the waiting step's rollback, then the earlier steps'", async () => {
    const name = "wf-times-out";
    const path = `scripts/${name}.ts`;
    const merged = await h.mergeAndPush({ [path]: waitingWorkflow(name, "3s") });
    const runId = merged.runIds[path]!;
    const recorded = await h.waitForRun(runId);
    expect(recorded.status).toBe("rolled_back");
    expect(await marks(h, name)).toEqual(["run reserve", "confirm started", "undo confirm", "undo reserve"]);
    const record = await runRecord(h, runId, recorded.logPath);
    expect(String(record.log.frontMatter.message)).toMatch(/waiting for approved timed out after 3s/);
    expect(record.log.frontMatter.decisions).toEqual([
      expect.objectContaining({ kind: "timeout", by: "timeout", via: "timer", signal: "approved", step: "confirm" }),
    ]);
    // Too late: the run is over.
    expect((await decide(h, runId, "signals/approved", h.gh.personalToken("bob"), {})).status).toBe(409);
  }, 120_000);

  it("rolls back when cancelled while it waits: the request wakes it at once, and the log says who cancelled", async () => {
    const name = "wf-cancelled";
    const path = `scripts/${name}.ts`;
    const merged = await h.mergeAndPush({ [path]: waitingWorkflow(name, "2d") });
    const runId = merged.runIds[path]!;
    await events.delayed(runId);
    const cancel = await decide(h, runId, "cancel", null, { by: "carol" });
    expect(cancel.status).toBe(202);
    const recorded = await h.waitForRun(runId);
    expect(recorded.status).toBe("rolled_back");
    expect(await marks(h, name)).toEqual(["run reserve", "confirm started", "undo confirm", "undo reserve"]);
    const record = await runRecord(h, runId, recorded.logPath);
    expect(String(record.log.frontMatter.message)).toMatch(/cancelled by carol while waiting for approved/);
    expect(record.log.frontMatter.decisions).toEqual([expect.objectContaining({ kind: "cancel", by: "carol" })]);
  }, 120_000);
});
