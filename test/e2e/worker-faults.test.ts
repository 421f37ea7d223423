import { execFile } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLogPath } from "../../src/runlog/run-log-path.js";
import { parseRunLog } from "../../src/runlog/parse-run-log.js";
import { waitFor } from "../unit/runner/live-processes.js";
import { DASHBOARD, startHarness, type Harness } from "./harness.js";
import { mergeFailingBeforeStart } from "./fail-before-start.js";
import { beaconScript, recordingScript } from "./scripts.js";

let h: Harness;
beforeAll(async () => {
  // A dead worker's jobs are noticed after 1 s instead of 30; SIGTERM grants scripts 2 s.
  // Marker sweep: these tests follow a script by its pid on this host, which a PID namespace
  // would hide (test/e2e/orphans.test.ts covers both ways of containing a run).
  h = await startHarness({ env: { JOB_LOCK_MS: "1000", SHUTDOWN_GRACE: "2", SCRIPT_CONTAINMENT: "marker-sweep" } });
});
afterAll(async () => {
  await h?.close();
});

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** A commit's committer date in the stand-in's repository: it dates the folder of its runs' logs. */
async function committedAt(commit: string): Promise<string> {
  const { stdout } = await promisify(execFile)("git", ["show", "--no-patch", "--format=%cI", commit], { cwd: h.gh.repoDir });
  return stdout.trim();
}
const dashboardAuth = { authorization: `Basic ${Buffer.from(`${DASHBOARD.user}:${DASHBOARD.password}`).toString("base64")}` };

async function logAt(path: string) {
  const text = await h.gh.readFile(h.gh.defaultBranch, path);
  expect(text, `${path} is committed`).toBeDefined();
  return parseRunLog(text!);
}

describe("the worker is SIGKILLed while a script runs", () => {
  it("never re-runs it: the run ends lost with its log, and a person's retry runs it once more with a second log", async () => {
    const name = "killed-mid-run";
    const path = `scripts/${name}.ts`;
    h.beacon.answer(name, "hang");
    const merged = await h.mergeAndPush({ [path]: beaconScript(name, `console.log("attempt finished");`) });
    const runId = merged.runIds[path]!;
    await h.beacon.next(name);

    const scriptPid = h.beacon.pid(name)!;
    await h.app.stop("SIGKILL");
    await h.restartApp();
    const lost = await h.waitForRun(runId);
    expect(lost.status).toBe("lost");
    expect(await h.timesRan(name)).toBe(1);
    // The script dies with its worker (its lifeline pipe closed): no orphan keeps running. Its
    // watcher is a shell that may be slow to be scheduled on a loaded host: seconds, not forever.
    expect(await waitFor(() => !isAlive(scriptPid), 10_000), `script ${scriptPid} outlived its worker`).toBe(true);
    const lostLog = await logAt(lost.logPath);
    expect(lostLog.frontMatter).toMatchObject({ status: "lost", attempt: 1, exit_code: null });
    expect(String(lostLog.frontMatter.message)).toContain("the script may have partly run");
    expect(await h.gh.readFile("main", path)).toBeUndefined();

    h.beacon.answer(name, "finish");
    const retry = () => fetch(`${h.appUrl}/admin/queues/api/queues/execute/${encodeURIComponent(runId)}/retry`, { method: "PUT", headers: dashboardAuth });
    // Until 7/8 of a lock after it was recorded lost, its script may still be stopping (a frozen host).
    const early = await retry();
    const failedOn = (await h.queues.execute.getJob(runId))!.finishedOn!;
    if (Date.now() < failedOn + 875) {
      expect(early.status).toBe(403);
      expect(await early.text()).toContain("its script may still be stopping");
      await sleep(failedOn + 875 - Date.now()); // the moment the guard names
      expect((await retry()).status).toBe(204);
    } else {
      expect(early.status).toBe(204);
    }
    const second = await h.waitForRun(`${runId}-attempt-2`);
    expect(second.status).toBe("succeeded");
    expect(second.logPath).toBe(runLogPath({ script: path, commit: merged.after, committedAt: await committedAt(merged.after), attempt: 2 }));
    expect(second.logPath).not.toBe(lost.logPath);
    const secondLog = await logAt(second.logPath);
    expect(secondLog.frontMatter).toMatchObject({ status: "succeeded", attempt: 2 });
    expect(secondLog.body).toContain("attempt finished");
    expect(await logAt(lost.logPath)).toEqual(lostLog);
    expect(await h.timesRan(name)).toBe(2);
  });
});

describe("every execution leaves its own log", () => {
  it("records a person's retry of an execute that failed before it could start the script, as attempt 2", async () => {
    const name = "failed-before-start";
    const path = `scripts/${name}.ts`;
    const { runId, first, restore } = await mergeFailingBeforeStart(h, { [path]: recordingScript(name) }, path);
    expect(first.status).toBe("failed");
    expect(String((await logAt(first.logPath)).frontMatter.message)).toContain("chorebot could not start the script");
    expect(await h.timesRan(name)).toBe(0);

    await restore();
    const retry = await fetch(`${h.appUrl}/admin/queues/api/queues/execute/${encodeURIComponent(runId)}/retry`, { method: "PUT", headers: dashboardAuth });
    expect(retry.status).toBe(204);
    const second = await h.waitForRun(`${runId}-attempt-2`);
    expect(second.status).toBe("succeeded");
    expect(second.logPath).not.toBe(first.logPath);
    expect((await logAt(second.logPath)).frontMatter).toMatchObject({ status: "succeeded", attempt: 2 });
    expect(await h.timesRan(name)).toBe(1);
  });
});

describe("a finished run never runs again", () => {
  it("refuses, with its own log, a completed execute job retried behind the dashboard's back", async () => {
    const name = "finished-once";
    const path = `scripts/${name}.ts`;
    const merged = await h.mergeAndPush({ [path]: recordingScript(name) });
    const runId = merged.runIds[path]!;
    expect((await h.waitForRun(runId)).status).toBe("succeeded");
    // The dashboard refuses this (test/unit/dashboard); BullMQ itself does not.
    const refusedByDashboard = await fetch(`${h.appUrl}/admin/queues/api/queues/execute/${encodeURIComponent(runId)}/retry`, {
      method: "PUT",
      headers: dashboardAuth,
    });
    expect(refusedByDashboard.status).toBe(403);
    await (await h.queues.execute.getJob(runId))!.retry("completed");
    const second = await h.waitForRun(`${runId}-attempt-2`);
    expect(second.status).toBe("refused");
    expect(String((await logAt(second.logPath)).frontMatter.message)).toBe("this run already has a result (attempt 1); a finished run never runs again");
    expect(await h.timesRan(name)).toBe(1);
  });
});

describe("graceful shutdown (SIGTERM)", () => {
  it("lets a script that finishes within SHUTDOWN_GRACE finish, and commits its log before exiting", async () => {
    const name = "finishes-in-grace";
    const path = `scripts/${name}.ts`;
    const merged = await h.mergeAndPush({
      [path]: beaconScript(name, `await new Promise((r) => setTimeout(r, 300));\nconsole.log("finished in time");`),
    });
    await h.beacon.next(name);
    await h.app.stop("SIGTERM");
    expect(h.app.child.exitCode).toBe(0);
    const log = await logAt(runLogPath({ script: path, commit: merged.after, committedAt: await committedAt(merged.after), attempt: 1 }));
    expect(log.frontMatter.status).toBe("succeeded");
    expect(log.body).toContain("finished in time");
    await h.restartApp();
  });

  it("stops a script still running after the grace period, records it as cancelled and commits the log before exiting", async () => {
    const name = "outlives-grace";
    const path = `scripts/${name}.ts`;
    h.beacon.answer(name, "hang");
    const merged = await h.mergeAndPush({ [path]: beaconScript(name) });
    await h.beacon.next(name);
    await h.app.stop("SIGTERM");
    expect(h.app.child.exitCode).toBe(0);
    const log = await logAt(runLogPath({ script: path, commit: merged.after, committedAt: await committedAt(merged.after), attempt: 1 }));
    expect(log.frontMatter.status).toBe("cancelled");
    expect(String(log.frontMatter.message)).toContain("the worker shut down");
    expect(await h.gh.readFile("main", path)).toBeUndefined();
    expect(await h.timesRan(name)).toBe(1);

    // Nothing is left to redo after a restart.
    await h.restartApp();
    expect(await h.queues.execute.getJobState(merged.runIds[path]!)).toBe("completed");
    expect(await h.timesRan(name)).toBe(1);
  });
});
