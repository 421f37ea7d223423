// A workflow run as chorebot runs it: bundled, in a child process, on a report channel whose
// other end acks each step (or does not), stopped by SIGTERM.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { bundleWorkflow, runBundle, type Peer } from "./workflow-child.js";

const WORKFLOW = `
import { defineWorkflow, string } from "chorebot";
export default defineWorkflow({
  inputs: { mode: string({ choices: ["ok", "fail", "wait"], default: "ok" }) },
  state: { done: [] },
  steps: [
    { name: "a", run: (s) => void s.done.push("a"), rollback: (s) => void s.done.splice(s.done.indexOf("a"), 1) },
    {
      name: "b",
      run: (s, { inputs, fail, signal }) => {
        if (inputs.mode === "fail") fail("card declined");
        if (inputs.mode === "wait") {
          console.log("waiting in b");
          return new Promise((resolve) => signal.addEventListener("abort", () => resolve()));
        }
        s.done.push("b");
      },
    },
  ],
});
`;

let dir: string;
let bundle: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "chorebot-wf-"));
  bundle = await bundleWorkflow(dir, WORKFLOW);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (mode: string, peer: Peer = {}) => runBundle(bundle, dir, { inputs: { mode }, peer });

describe("a workflow under runScriptModule", () => {
  test("succeeds with the final state as its result, each step acked before the next", async () => {
    const r = await run("ok", {
      onStep: (report, socket) => setTimeout(() => socket.write(`${JSON.stringify({ type: "ack", seq: report.seq })}\n`), 150),
    });
    expect(r.code).toBe(0);
    expect(r.order).toEqual(["a:succeeded", "b:succeeded"]);
    expect(r.messages.at(-1)).toEqual({ type: "result", value: { done: ["a", "b"] } });
    // b started only once a was acked, 150 ms later.
    expect(Date.parse(r.steps[1]!.startedAt) - Date.parse(r.steps[0]!.startedAt)).toBeGreaterThanOrEqual(140);
  });

  test("a failing step: walk back, exit 1 and the reason as the fail message", async () => {
    const r = await run("fail");
    expect(r.code).toBe(1);
    expect(r.order).toEqual(["a:succeeded", "b:failed", "rollback:a:succeeded"]);
    const fails = r.messages.filter((m) => m.type === "fail");
    expect(fails).toEqual([{ type: "fail", reason: "step b failed: card declined; rolled back a" }]);
  });

  test("waits for a step's ack however the peer talks (other lines, wrong seqs), as long as the runner lets it", async () => {
    let answered = false;
    const r = await run("ok", {
      onStep: (report, socket, kill) => {
        if (report.seq !== 1) return void socket.write(`${JSON.stringify({ type: "ack", seq: report.seq })}\n`);
        socket.write('{"type":"ack","seq":7}\n{"type":"log","message":"x"}\n');
        setTimeout(() => {
          answered = true;
          kill("SIGKILL");
        }, 300);
      },
    });
    expect(answered).toBe(true);
    expect(r.code).toBeNull();
    expect(r.order).toEqual(["a:succeeded"]);
  });

  test("the worker's end closing while a step waits for its ack: the workflow stops there, no further step and no rollback", async () => {
    const r = await run("ok", { onStep: (_report, socket) => socket.destroy() });
    expect(r.code).toBe(1);
    expect(r.order).toEqual(["a:succeeded"]);
    expect(r.stderr).toContain("so this step's record cannot be saved; the workflow stops here");
  });

  test("SIGTERM during a step: it is cancelled, and the rollback runs although the run was stopped", async () => {
    const r = await run("wait", { onStdout: (text, kill) => void (text.includes("waiting in b") && kill("SIGTERM")) });
    expect(r.code).toBe(1);
    expect(r.order).toEqual(["a:succeeded", "b:cancelled", "rollback:a:succeeded"]);
    expect(r.steps[1]?.error).toBe("stopped by SIGTERM");
    expect(r.steps.at(-1)?.state).toEqual({ done: [] });
  });
});
