import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";
import { marks, runRecord, workflowScript } from "./workflow-scripts.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

/** A step that leaves `run <name>` and, rolled back, `undo <name>`; `fail` makes its run throw after its side effect. */
const stepSource = (name: string, o: { fail?: string; rollbackFails?: string; rollback?: boolean } = {}) => `step({
      name: ${JSON.stringify(name)},
      run(state) {
        mark("run ${name}");
        ${o.fail ? `throw new Error(${JSON.stringify(o.fail)});` : `state.done.push(${JSON.stringify(name)});`}
      },${
        o.rollback === false
          ? ""
          : `
      rollback(state) {
        mark("undo ${name}");
        ${o.rollbackFails ? `throw new Error(${JSON.stringify(o.rollbackFails)});` : `state.done = state.done.filter((done) => done !== ${JSON.stringify(name)});`}
      },`
      }
    })`;

const entriesOf = (ledger: Awaited<ReturnType<typeof runRecord>>["ledger"]) =>
  ledger.workflow?.report.entries.map((entry) => `${entry.direction} ${entry.step} ${entry.outcome}`);

describe("a merged workflow", () => {
  it("whose third step fails rolls back three, two, one in that order, and is recorded rolled_back", async () => {
    const name = "wf-three";
    const path = `scripts/${name}.ts`;
    const merged = await h.mergeAndPush({
      [path]: workflowScript(name, `steps: [${stepSource("one")}, ${stepSource("two")}, ${stepSource("three", { fail: "the warehouse said no" })}],`),
    });
    const runId = merged.runIds[path]!;
    const done = await h.waitForRun(runId);
    expect(done.status).toBe("rolled_back");
    expect(await marks(h, name)).toEqual(["run one", "run two", "run three", "undo three", "undo two", "undo one"]);

    const record = await runRecord(h, runId, done.logPath);
    expect(record.summary).toMatchObject({ status: "rolled_back", message: "step three failed: the warehouse said no; rolled back three, two, one" });
    expect(entriesOf(record.ledger)).toEqual([
      "run one succeeded",
      "run two succeeded",
      "run three failed",
      "rollback three succeeded",
      "rollback two succeeded",
      "rollback one succeeded",
    ]);
    // The state after the last rollback, as the ledger saved it before the script went on.
    expect(record.ledger.workflow?.report.state).toEqual({ done: [] });
    expect(record.log.frontMatter).toMatchObject({ status: "rolled_back", workflow_outcome: "rolled_back", failed_step: "three" });
    expect(record.log.frontMatter.workflow_steps).toEqual(["one", "two", "three"].map((step) => ({ name: step, rollback: true, standing: "undone" })));
    // The log draws the steps and the walk back (its wording is the run log's own, tested there).
    expect(record.log.body).toContain("## Steps");
    expect(record.log.body).toMatch(/```mermaid\n[\s\S]*one[\s\S]*two[\s\S]*three[\s\S]*```/);
    expect(await h.gh.readFile(h.gh.defaultBranch, path)).toBeUndefined();
  });

  it("stops at an observer's veto: the vetoed step never runs, the steps before it roll back", async () => {
    const name = "wf-veto";
    const path = `scripts/${name}.ts`;
    const merged = await h.mergeAndPush({
      [path]: workflowScript(
        name,
        `steps: [${stepSource("one")}, ${stepSource("two")}, ${stepSource("three")}],
  observers: [
    {
      beforeStep(event) {
        mark("before " + event.direction + " " + event.step);
        if (event.step === "two" && event.direction === "run") throw new Error("frozen by ops");
      },
    },
  ],`,
      ),
    });
    const runId = merged.runIds[path]!;
    const done = await h.waitForRun(runId);
    expect(done.status).toBe("rolled_back");
    expect(await marks(h, name)).toEqual(["before run one", "run one", "before run two", "before rollback one", "undo one"]);

    const record = await runRecord(h, runId, done.logPath);
    expect(record.summary?.status).toBe("rolled_back");
    expect(record.summary?.message).toMatch(/^step two was vetoed: .*frozen by ops.*; rolled back one$/);
    expect(entriesOf(record.ledger)).toEqual(["run one succeeded", "run two vetoed", "rollback one succeeded"]);
    expect(record.log.frontMatter).toMatchObject({ status: "rolled_back", failed_step: "two" });
    expect(record.log.frontMatter.workflow_steps).toEqual([
      { name: "one", rollback: true, standing: "undone" },
      { name: "two", rollback: true, standing: "not_run" },
      { name: "three", rollback: true, standing: "not_run" },
    ]);
  });

  it("whose rollback fails stops the walk back: rollback_failed, naming what is undone and what is not", async () => {
    const name = "wf-stuck";
    const path = `scripts/${name}.ts`;
    const merged = await h.mergeAndPush({
      [path]: workflowScript(
        name,
        `steps: [${stepSource("one")}, ${stepSource("two", { rollbackFails: "the refund API is down" })}, ${stepSource("email", { rollback: false })}, ${stepSource("three", { fail: "card declined" })}],`,
      ),
    });
    const runId = merged.runIds[path]!;
    const done = await h.waitForRun(runId);
    expect(done.status).toBe("rollback_failed");
    // Email has no rollback and is passed over; two's rollback fails, so one is never undone.
    expect(await marks(h, name)).toEqual(["run one", "run two", "run email", "run three", "undo three", "undo two"]);

    const record = await runRecord(h, runId, done.logPath);
    expect(record.summary).toMatchObject({
      status: "rollback_failed",
      message:
        "step three failed: card declined; rolled back three; the rollback of two failed: the refund API is down; not undone: one, two; kept (no rollback): email",
    });
    expect(entriesOf(record.ledger)).toEqual([
      "run one succeeded",
      "run two succeeded",
      "run email succeeded",
      "run three failed",
      "rollback three succeeded",
      "rollback two failed",
    ]);
    expect(record.log.frontMatter).toMatchObject({ status: "rollback_failed", workflow_outcome: "rollback_failed", failed_step: "three" });
    expect(record.log.frontMatter.workflow_steps).toEqual([
      { name: "one", rollback: true, standing: "done" },
      { name: "two", rollback: true, standing: "rollback_failed" },
      { name: "email", rollback: false, standing: "done" },
      { name: "three", rollback: true, standing: "undone" },
    ]);
  });
});

describe("a merged workflow that reaches its run timeout during a step", () => {
  it("stops the step, rolls back with time for rollbacks longer than a plain script's kill grace, and is rolled_back saying it timed out", async () => {
    const name = "wf-timeout";
    const path = `scripts/${name}.ts`;
    const merged = await h.mergeAndPush({
      [path]: workflowScript(
        name,
        `timeout: "3s",
  steps: [
    step({
      name: "one",
      run(state) { mark("run one"); state.done.push("one"); },
      // Longer than the 5 s between SIGTERM and SIGKILL a plain script gets.
      async rollback() { await new Promise((r) => setTimeout(r, 6000)); mark("undo one"); },
    }),
    step({
      name: "two",
      run(_state, ctx) {
        mark("run two");
        return new Promise((_resolve, reject) => ctx.signal.addEventListener("abort", () => reject(new Error("stopped waiting")), { once: true }));
      },
      rollback() { mark("undo two"); },
    }),
  ],`,
      ),
    });
    const runId = merged.runIds[path]!;
    const done = await h.waitForRun(runId);
    expect(await marks(h, name)).toEqual(["run one", "run two", "undo two", "undo one"]);
    expect(done.status).toBe("rolled_back");
    const record = await runRecord(h, runId, done.logPath);
    expect(record.summary?.message).toMatch(/^timed out after 3 s; step two (was stopped|failed|timed out)\b.*; rolled back two, one$/);
    expect(record.log.frontMatter).toMatchObject({ status: "rolled_back", workflow_outcome: "rolled_back", failed_step: "two" });
  }, 60_000);
});
