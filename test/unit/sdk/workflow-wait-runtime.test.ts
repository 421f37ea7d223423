// Waits and resumptions as chorebot runs them: a bundled workflow in a child process, its
// steps acked over the report channel, going on from a CHOREBOT_RESUME file.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DEFAULT_WAIT_TIMEOUT_MS, RESUME_ENV, type Resumption } from "../../../src/sdk/protocol.js";
import { ackStep, bundleWorkflow, runBundle, type Peer } from "./workflow-child.js";

// Every step writes to TRACE what it does, so a test sees what ran in the process, reported or not.
const WORKFLOW = `
import { appendFileSync } from "node:fs";
import { defineWorkflow, string } from "chorebot";
const trace = (line) => appendFileSync(process.env.TRACE, line + "\\n");
const drop = (s, name) => void (s.done = s.done.filter((d) => d !== name));
export default defineWorkflow({
  inputs: { mode: string({ default: "wait" }) },
  state: { done: [] },
  steps: [
    { name: "a", run: (s) => { trace("run a"); s.done.push("a"); }, rollback: (s) => { trace("rollback a"); drop(s, "a"); } },
    {
      name: "b",
      async run(s, { inputs, waitFor }) {
        trace("run b");
        s.done.push("b started");
        const mode = inputs.mode;
        if (mode === "caught") {
          try { await waitFor("approved"); } catch { trace("caught"); }
          trace("after the caught wait");
          return;
        }
        if (mode === "ignored") {
          void waitFor("approved");
          s.done.push("b");
          return;
        }
        if (mode === "bad-name") await waitFor("approval");
        if (mode === "bad-timeout") await waitFor("approved", { timeout: "31d" });
        if (mode === "bad-pr") {
          try { await waitFor("approved", { pullRequest: 0 }); } catch (error) { trace("caught " + error.message); }
          return;
        }
        if (mode === "two") {
          const first = await waitFor("first");
          trace("first " + JSON.stringify(first));
          const second = await waitFor("second", { timeout: "1h" });
          trace("second " + JSON.stringify(second));
          s.done.push("b", first, second);
          return;
        }
        const payload = await waitFor("approved", { timeout: "2d", pullRequest: 7 });
        trace("b got " + JSON.stringify(payload));
        s.done.push("b");
        s.payload = payload;
      },
      rollback: async (s, { inputs, waitFor }) => {
        trace("rollback b");
        if (inputs.mode === "rollback-wait") await waitFor("undo");
        drop(s, "b started");
        drop(s, "b");
      },
    },
    {
      name: "c",
      run: (s, { inputs }) => {
        trace("run c");
        if (inputs.mode === "rollback-wait") throw new Error("c broke");
        s.done.push("c");
      },
    },
  ],
});
`;

let dir: string;
let bundle: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "chorebot-wait-"));
  bundle = await bundleWorkflow(dir, WORKFLOW);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(mode: string, options: { resumption?: Resumption | string; peer?: Peer } = {}) {
  const trace = join(dir, `trace-${Math.random().toString(36).slice(2)}`);
  const env: Record<string, string> = { TRACE: trace };
  if (typeof options.resumption === "string") env[RESUME_ENV] = options.resumption;
  else if (options.resumption !== undefined) {
    env[RESUME_ENV] = `${trace}.resume.json`;
    writeFileSync(env[RESUME_ENV], JSON.stringify(options.resumption));
  }
  const ran = await runBundle(bundle, dir, { inputs: { mode }, env, peer: options.peer });
  return { ...ran, trace: existsSync(trace) ? readFileSync(trace, "utf8").trim().split("\n") : [] };
}

const resumeAt = (over: Partial<Resumption>): Resumption => ({ from: "b", state: { done: ["a"] }, seq: 2, signals: {}, rollback: null, ...over });

describe("ctx.waitFor in a chorebot process", () => {
  test("a wait not delivered: the step is reported waiting with the state it started from, nothing after it runs, exit 0 once acked", async () => {
    let ackedAt = 0;
    const r = await run("wait", {
      peer: {
        onStep: (report, socket) => {
          if (report.outcome !== "waiting") return ackStep(socket, report);
          // The process must still be there to get this ack, and go only after it.
          setTimeout(() => {
            ackedAt = Date.now();
            ackStep(socket, report);
          }, 200);
        },
      },
    });
    expect(r.code).toBe(0);
    expect(r.order).toEqual(["a:succeeded", "b:waiting"]);
    const waiting = r.steps[1]!;
    expect(waiting).toMatchObject({ seq: 2, error: null, state: { done: ["a"] }, wait: { signal: "approved", timeoutMs: 2 * 86_400_000, pullRequest: 7 } });
    expect(waiting.before).toBeUndefined();
    expect(ackedAt).toBeGreaterThan(0);
    expect(r.closedAt).toBeGreaterThanOrEqual(ackedAt);
    expect(r.trace).toEqual(["run a", "run b"]);
    expect(r.messages.some((m) => m.type === "result" || m.type === "fail")).toBe(false);
  });

  test("a waiting step's report never acked: the process does not exit on its own", async () => {
    let killed = false;
    const r = await run("wait", {
      peer: {
        onStep: (report, socket, kill) => {
          if (report.outcome !== "waiting") return ackStep(socket, report);
          setTimeout(() => {
            killed = true;
            kill("SIGKILL");
          }, 400);
        },
      },
    });
    expect(killed).toBe(true);
    expect(r.code).toBeNull();
  });

  test("a caught waitFor: the code after it never runs, the step is waiting", async () => {
    const r = await run("caught");
    expect(r.code).toBe(0);
    expect(r.order).toEqual(["a:succeeded", "b:waiting"]);
    expect(r.trace).toEqual(["run a", "run b"]);
    expect(r.steps[1]!.state).toEqual({ done: ["a"] });
    expect(r.steps[1]!.wait).toEqual({ signal: "approved", timeoutMs: DEFAULT_WAIT_TIMEOUT_MS, pullRequest: null });
  });

  test("a waitFor not awaited: the step still waits, what it changed and returned does not count, the next step does not run", async () => {
    const r = await run("ignored");
    expect(r.code).toBe(0);
    expect(r.order).toEqual(["a:succeeded", "b:waiting"]);
    expect(r.steps[1]!.state).toEqual({ done: ["a"] });
    expect(r.trace).not.toContain("run c");
  });

  test.each([
    ["bad-name", 'waitFor: "approval" is the name of the run\'s approvals'],
    ["bad-timeout", 'waitFor: timeout "31d" is longer than the longest wait, 30d'],
    ["bad-pr", "waitFor: pullRequest must be a pull request's number (a positive integer), got 0"],
  ])("%s: the step fails with a clear message (even when it catches it), and the walk back follows", async (mode, message) => {
    const r = await run(mode);
    expect(r.code).toBe(1);
    expect(r.order).toEqual(["a:succeeded", "b:failed", "rollback:b:succeeded", "rollback:a:succeeded"]);
    expect(r.steps[1]!.error).toContain(message);
    expect(r.trace).not.toContain("run c");
  });

  test("waitFor in a rollback fails the rollback, and the walk back stops there", async () => {
    const r = await run("rollback-wait", { resumption: resumeAt({ signals: { approved: 1 } }) });
    expect(r.order).toEqual(["b:succeeded", "c:failed", "rollback:b:failed"]);
    expect(r.steps[2]!.error).toBe("waitFor: waits are only for a step's run, not its rollback");
    expect(r.code).toBe(1);
  });
});

describe("going on from a resumption (CHOREBOT_RESUME)", () => {
  test("step `from` runs again from the recorded state with the payload, then the rest; reports numbered on, without `before`", async () => {
    const r = await run("wait", { resumption: resumeAt({ signals: { approved: { by: "alice" } } }) });
    expect(r.code).toBe(0);
    expect(r.trace).toEqual(["run b", 'b got {"by":"alice"}', "run c"]);
    expect(r.steps.map((s) => s.seq)).toEqual([3, 4]);
    expect(r.steps.every((s) => s.before === undefined)).toBe(true);
    expect(r.order).toEqual(["b:succeeded", "c:succeeded"]);
    const result = { done: ["a", "b started", "b", "c"], payload: { by: "alice" } };
    expect(r.messages.at(-1)).toEqual({ type: "result", value: result });
  });

  test("two waits in one step: the second waits on its own once the first is delivered, then both payloads reach it", async () => {
    const first = await run("two", { resumption: resumeAt({ signals: { first: "one" } }) });
    expect(first.code).toBe(0);
    expect(first.order).toEqual(["b:waiting"]);
    expect(first.steps[0]).toMatchObject({ seq: 3, state: { done: ["a"] }, wait: { signal: "second", timeoutMs: 3_600_000, pullRequest: null } });
    const both = await run("two", { resumption: resumeAt({ seq: 3, signals: { first: "one", second: "two" } }) });
    expect(both.code).toBe(0);
    expect(both.trace).toEqual(["run b", 'first "one"', 'second "two"', "run c"]);
    expect(both.steps.map((s) => s.seq)).toEqual([4, 5]);
  });

  test("a rollback resumption runs nothing forward: the walk back starts at `from` (its own rollback first), the reason is the decision's", async () => {
    const reason = "waiting for approved timed out after 2d";
    const r = await run("wait", { resumption: resumeAt({ rollback: { reason }, state: { done: ["a", "half of b"] } }) });
    expect(r.code).toBe(1);
    expect(r.trace).toEqual(["rollback b", "rollback a"]);
    expect(r.order).toEqual(["rollback:b:succeeded", "rollback:a:succeeded"]);
    expect(r.steps.map((s) => s.seq)).toEqual([3, 4]);
    expect(r.steps.at(-1)!.state).toEqual({ done: ["half of b"] });
    expect(r.messages.filter((m) => m.type === "fail")).toEqual([{ type: "fail", reason }]);
  });

  test("a rollback resumption from the first step: only its own rollback", async () => {
    const r = await run("wait", { resumption: resumeAt({ from: "a", seq: 0, state: { done: ["a"] }, rollback: { reason: "rolled back by @bob" } }) });
    expect(r.trace).toEqual(["rollback a"]);
    expect(r.steps.map((s) => s.seq)).toEqual([1]);
  });

  test.each([
    ["a file that does not exist", (): string => join(dir, "nowhere.json"), "cannot read the resumption file"],
    ["a file that is not JSON", (): string => write("{ nope"), "the resumption file is not JSON"],
    [
      "a step that is not declared",
      (): string => write(JSON.stringify(resumeAt({ from: "z" }))),
      '`from` "z" is not a step of this workflow (its steps are a, b, c)',
    ],
    ["no seq", (): string => write(JSON.stringify({ ...resumeAt({}), seq: -1 })), "`seq` must be a whole number"],
    ["a step name Object has", (): string => write(JSON.stringify(resumeAt({ from: "constructor" }))), '`from` "constructor" is not a step'],
    ["a plain array", (): string => write("[]"), "it must be a JSON object"],
    ["a bad rollback", (): string => write(JSON.stringify(resumeAt({ rollback: "yes" as never }))), "`rollback` must be null or { reason }"],
  ])("%s: exit 2, a clear stderr line and a fail report; nothing runs (never from the start)", async (_, file, problem) => {
    const r = await run("wait", { resumption: file() });
    expect(r.code).toBe(2);
    expect(r.trace).toEqual([]);
    expect(r.steps).toEqual([]);
    expect(r.stderr).toContain(`chorebot: `);
    expect(r.stderr).toContain(problem);
    expect(r.messages.find((m) => m.type === "fail")).toMatchObject({ reason: expect.stringContaining(problem) as string });
  });
});

function write(text: string): string {
  const path = join(dir, `resume-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, text);
  return path;
}
