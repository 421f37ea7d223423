import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRunLog } from "../../src/runlog/parse-run-log.js";
import { containment, type Containment } from "../../src/runner/process-containment.js";
import { livePids, waitFor } from "../unit/runner/live-processes.js";
import { startHarness, type Harness } from "./harness.js";
import { beaconScript } from "./scripts.js";

// Short locks, so that a frozen worker loses its claim in seconds. The watcher's margin is an
// eighth of the lock: 1 s here, which a loaded CI machine needs (half a second was not enough).
const JOB_LOCK_MS = 8000;

let h: Harness;
beforeAll(async () => {
  // The web process only queues: the one worker of each test is the only one to run scripts.
  h = await startHarness({ appArgs: ["start", "--no-workers"], env: { JOB_LOCK_MS: String(JOB_LOCK_MS) } });
}, 120_000);
afterAll(async () => {
  await h?.close();
});

// The workers run on this host: where it cannot make PID namespaces, they sweep.
const unavailable = (mode: Containment) => mode === "pid-namespace" && containment() !== "pid-namespace";

/** Host pids of this harness's script processes (only scripts get a report channel). */
const scriptPids = () => livePids(`BEACON=${h.beacon.url}\0`, "CHOREBOT_CHANNEL=");

describe.each<Containment>(["pid-namespace", "marker-sweep"])("a frozen worker (%s)", (mode) => {
  it.skipIf(unavailable(mode))("cannot keep its script running: the script is dead before the job lock expires, the run is lost and runs once", async () => {
    const worker = await h.spawnApp(["worker"], mode === "marker-sweep" ? { SCRIPT_CONTAINMENT: "marker-sweep" } : {});
    const started = worker.process.lines.find((line) => String(line.msg).startsWith("workers started"))!;
    expect(started).toMatchObject({ containment: mode, msg: expect.stringContaining(`scripts contained by ${mode.replace("-", " ")}`) });
    const workerPid = worker.process.child.pid!;
    const name = `frozen-${mode}`;
    const path = `scripts/${name}.ts`;
    h.beacon.answer(name, "hang");
    const merged = await h.mergeAndPush({ [path]: beaconScript(name) });
    await h.beacon.next(name);
    try {
      // The script and its watcher at least.
      expect(await waitFor(() => scriptPids().length >= 2, JOB_LOCK_MS)).toBe(true);
      const frozenAt = performance.now();
      process.kill(workerPid, "SIGSTOP");
      const dead = await waitFor(() => scriptPids().length === 0, JOB_LOCK_MS);
      const deadAfterMs = performance.now() - frozenAt;
      expect(dead, `still running ${Math.round(deadAfterMs)} ms into the freeze: ${scriptPids().join(", ")}`).toBe(true);
      expect(deadAfterMs).toBeLessThan(JOB_LOCK_MS);
      // Frozen past its lock: by now another worker could have been told to run it again.
      await new Promise((resolve) => setTimeout(resolve, JOB_LOCK_MS - deadAfterMs + 500));
    } finally {
      process.kill(workerPid, "SIGCONT");
    }
    const lost = await h.waitForRun(merged.runIds[path]!);
    const { frontMatter } = parseRunLog((await h.gh.readFile("main", lost.logPath))!);
    expect(lost.status, `recorded as: ${String(frontMatter.message)}`).toBe("lost");
    expect(await h.timesRan(name)).toBe(1);
    await worker.process.stop();
  });
});
