import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containment, type Containment } from "../../src/runner/process-containment.js";
import { livePids, waitFor } from "../unit/runner/live-processes.js";
import { startHarness, type Harness } from "./harness.js";
import { beaconScript } from "./scripts.js";

const GONE_WITHIN_MS = 3000;

let h: Harness;
beforeAll(async () => {
  // The web process only queues; each test's worker runs the scripts, for at most 3 s each.
  h = await startHarness({ appArgs: ["start", "--no-workers"], env: { JOB_LOCK_MS: "2000", SCRIPT_TIMEOUT: "3" } });
}, 120_000);
afterAll(async () => {
  await h?.close();
});

/** Host pids of this harness's script processes and of all they started (only scripts get a report channel). */
const scriptPids = () => livePids(`BEACON=${h.beacon.url}\0`, "CHOREBOT_CHANNEL=");

/**
 * Leaves a `setsid` sleep, a `nohup` sleep, a double fork and a detached, unref'd node child
 * behind, then calls the beacon `<name>-go` until it answers "go".
 */
const leaveOrphans = (name: string) => `import { execSync, spawn } from "node:child_process";
execSync("setsid sleep 1000 >/dev/null 2>&1 & nohup sleep 1000 >/dev/null 2>&1 & (sleep 1000 >/dev/null 2>&1 &)");
const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { detached: true, stdio: "ignore" });
child.unref();
await new Promise((resolve) => child.on("spawn", resolve));
while ((await (await fetch(process.env.BEACON + "/${name}-go")).text()) !== "go") await new Promise((r) => setTimeout(r, 50));
`;
// The script, its watcher, three sleeps and the node child (and nsenter, in a namespace).
const ORPHANS_AND_SCRIPT = 6;

/** Resolves once the script `name` has left its orphans behind, checking they run; they may go on. */
async function orphansLeft(name: string): Promise<void> {
  await h.beacon.next(`${name}-go`);
  expect(scriptPids().length).toBeGreaterThanOrEqual(ORPHANS_AND_SCRIPT);
  h.beacon.answer(`${name}-go`, "go");
}

// The workers run on this host: where it cannot make PID namespaces, they sweep.
const unavailable = (mode: Containment) => mode === "pid-namespace" && containment() !== "pid-namespace";

describe.each<Containment>(["pid-namespace", "marker-sweep"])("what a script starts dies with its run (%s)", (mode) => {
  let worker: Awaited<ReturnType<Harness["spawnApp"]>>;
  const startWorker = async () => {
    worker = await h.spawnApp(["worker"], mode === "marker-sweep" ? { SCRIPT_CONTAINMENT: "marker-sweep" } : {});
    const started = worker.process.lines.find((line) => String(line.msg).startsWith("workers started"))!;
    expect(started).toMatchObject({ containment: mode, msg: expect.stringContaining(`scripts contained by ${mode.replace("-", " ")}`) });
  };
  beforeAll(async () => {
    if (!unavailable(mode)) await startWorker();
  });
  afterAll(async () => {
    await worker?.process.stop();
  });

  it.skipIf(unavailable(mode)).each([
    { end: "it exits", body: "", status: "succeeded" },
    { end: "it times out", body: "setInterval(() => {}, 1000);", status: "timed_out" },
  ])("when $end", async ({ end, body, status }) => {
    const name = `orphans-${mode}-${end.replaceAll(" ", "-")}`;
    const path = `scripts/${name}.ts`;
    h.beacon.answer(`${name}-go`, "wait");
    const merged = await h.mergeAndPush({ [path]: beaconScript(name, `${leaveOrphans(name)}${body}`) });
    await orphansLeft(name);
    const result = await h.waitForRun(merged.runIds[path]!);
    expect(result.status).toBe(status);
    expect(await waitFor(() => scriptPids().length === 0, GONE_WITHIN_MS), `left running: ${scriptPids().join(", ")}`).toBe(true);
  });

  it.skipIf(unavailable(mode))("when its worker is SIGKILLed", async () => {
    const name = `orphans-${mode}-worker-killed`;
    h.beacon.answer(`${name}-go`, "wait");
    const merged = await h.mergeAndPush({ [`scripts/${name}.ts`]: beaconScript(name, `${leaveOrphans(name)}setInterval(() => {}, 1000);`) });
    await orphansLeft(name);
    const exited = once(worker.process.child, "exit");
    worker.process.child.kill("SIGKILL");
    await exited;
    expect(await waitFor(() => scriptPids().length === 0, GONE_WITHIN_MS), `left running: ${scriptPids().join(", ")}`).toBe(true);
    // A worker to record the run as lost, and for what follows.
    await startWorker();
    expect((await h.waitForRun(merged.runIds[`scripts/${name}.ts`]!)).status).toBe("lost");
  });
});
