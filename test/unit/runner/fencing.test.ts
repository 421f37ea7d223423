import { once } from "node:events";
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { withClaim, type Claim } from "../../../src/runner/claim.js";
import { containment, type Containment } from "../../../src/runner/process-containment.js";
import { runScript } from "../../../src/runner/run-script.js";
import { killAll, livePids, uniqueToken, waitFor } from "./live-processes.js";
import { buildDrivers, type Drivers } from "./worker-driver.js";

// How late past its deadline a script may still be alive on a busy machine.
const SLACK_MS = 1000;
const MODES: Containment[] = ["pid-namespace", "marker-sweep"];
const unavailable = (mode: Containment) => mode === "pid-namespace" && containment() !== "pid-namespace";

/** A claim renewed every `everyMs` to `windowMs` from now, as a worker's lock renewals would, until stopped or lost. */
function renewedClaim(windowMs: number, everyMs: number) {
  let until = performance.now() + windowMs;
  let lastRenewal = performance.now();
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((listener) => listener());
  const timer = setInterval(() => {
    until = performance.now() + windowMs;
    lastRenewal = performance.now();
    notify();
  }, everyMs);
  const claim: Claim = {
    deadline: () => until,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return {
    claim,
    /** The renewals stop; returns when the last one was. */
    stop: () => (clearInterval(timer), lastRenewal),
    lose() {
      clearInterval(timer);
      until = -Infinity;
      notify();
    },
  };
}

// Tells the test it runs (after starting a process that leaves its group), then hangs.
const ESCAPING_HANG = [
  'import { spawn } from "node:child_process";',
  'spawn("setsid", ["sleep", "1000"], { stdio: "ignore" }).on("spawn", () => console.log("ready"));',
  "setInterval(() => {}, 1000);",
].join("\n");

let drivers: Drivers;
beforeAll(async () => {
  drivers = await buildDrivers();
});
afterAll(async () => {
  await drivers.close();
});

describe.each(MODES)("a script never outlives its worker's claim (%s)", (mode) => {
  const run = (claim: Claim, code: string, token: string, onLine?: (text: string) => void) =>
    withClaim(claim, () =>
      runScript({
        code,
        cwd: tmpdir(),
        env: { PATH: process.env.PATH ?? "", TOKEN: token },
        timeoutMs: 30_000,
        containment: mode,
        ...(onLine ? { onLine: (line) => onLine(line.text) } : {}),
      }),
    );

  test.skipIf(unavailable(mode))("while the claim is renewed, the script runs past many of its deadlines and succeeds", async () => {
    const renewals = renewedClaim(300, 50);
    try {
      const result = await run(renewals.claim, 'await new Promise((r) => setTimeout(r, 1500)); console.log("done");', uniqueToken());
      expect(result).toMatchObject({ status: "succeeded", exitCode: 0 });
    } finally {
      renewals.stop();
    }
  });

  test.skipIf(unavailable(mode))("when the renewals stop, the script and everything it started are dead by the deadline, and it is lost", async () => {
    const windowMs = 600;
    const renewals = renewedClaim(windowMs, 100);
    const token = uniqueToken();
    let running: number[] = [];
    let lastRenewal = Infinity;
    try {
      const result = await run(renewals.claim, ESCAPING_HANG, token, (text) => {
        if (text !== "ready") return;
        // The script, its escaped sleep and the watcher run; then the worker goes silent.
        running = livePids(token);
        lastRenewal = renewals.stop();
      });
      expect(running.length).toBeGreaterThanOrEqual(3);
      // Each was sent SIGKILL by the time the run ended; dying takes a moment more.
      expect(await waitFor(() => livePids(token).length === 0, SLACK_MS)).toBe(true);
      expect(performance.now() - lastRenewal).toBeLessThan(windowMs + SLACK_MS);
      expect(result).toMatchObject({ status: "lost", exitCode: null, signal: "SIGKILL" });
      expect(result.message).toContain("could not renew its claim");
    } finally {
      renewals.stop();
      killAll(token);
    }
  });

  test.skipIf(unavailable(mode))("a script whose main thread is blocked is stopped at its deadline all the same", async () => {
    const token = uniqueToken();
    const renewals = renewedClaim(500, 100);
    renewals.stop();
    const startedAt = performance.now();
    try {
      const result = await run(renewals.claim, 'import { execSync } from "node:child_process";\nexecSync("sleep 1000");', token);
      expect(performance.now() - startedAt).toBeLessThan(500 + SLACK_MS);
      expect(result.status).toBe("lost");
      expect(await waitFor(() => livePids(token).length === 0, SLACK_MS)).toBe(true);
    } finally {
      killAll(token);
    }
  });

  test.skipIf(unavailable(mode))("a claim known lost stops the script at once", async () => {
    const token = uniqueToken();
    const renewals = renewedClaim(30_000, 100);
    let lostAt = 0;
    try {
      const result = await run(renewals.claim, ESCAPING_HANG, token, (text) => {
        if (text !== "ready") return;
        lostAt = performance.now();
        renewals.lose();
      });
      expect(performance.now() - lostAt).toBeLessThan(SLACK_MS);
      expect(result.status).toBe("lost");
      expect(await waitFor(() => livePids(token).length === 0, SLACK_MS)).toBe(true);
    } finally {
      renewals.stop();
      killAll(token);
    }
  });

  // The watcher's word (FENCED) can be lost with the lifeline when the worker wakes from a
  // freeze after the kill: a SIGKILL past the claim's deadline is the fence all the same.
  test.skipIf(unavailable(mode))("a script killed by SIGKILL once its claim lapsed is lost, though no watcher said so", async () => {
    let lapsed = false;
    // A claim whose deadline passes without a word to the watcher: only the runner sees it.
    const silentlyLapsing: Claim = { deadline: () => (lapsed ? performance.now() - 1 : performance.now() + 30_000), onChange: () => () => {} };
    const killsItself = 'console.log("ready"); setTimeout(() => process.kill(process.pid, "SIGKILL"), 50);';
    const result = await run(silentlyLapsing, killsItself, uniqueToken(), (text) => void (lapsed ||= text === "ready"));
    expect(result).toMatchObject({ status: "lost", signal: "SIGKILL" });

    // Within its claim, the same death is the script's own: failed.
    const held: Claim = { deadline: () => performance.now() + 30_000, onChange: () => () => {} };
    expect(await run(held, killsItself, uniqueToken())).toMatchObject({ status: "failed", message: "killed by SIGKILL" });
  });

  test.skipIf(unavailable(mode))("a frozen worker (SIGSTOP) cannot keep its script alive: it dies by the deadline", async () => {
    const windowMs = 800;
    const token = uniqueToken();
    const worker = await drivers.start({
      code: ESCAPING_HANG,
      env: { PATH: process.env.PATH ?? "", TOKEN: token },
      containment: mode,
      claim: { windowMs, everyMs: 100 },
    });
    try {
      expect(await waitFor(() => livePids(token).length >= 3, SLACK_MS)).toBe(true);
      const frozenAt = performance.now();
      worker.kill("SIGSTOP");
      const gone = await waitFor(() => livePids(token).length === 0, windowMs + 2 * SLACK_MS);
      const elapsedMs = performance.now() - frozenAt;
      expect(gone, `still running ${Math.round(elapsedMs)} ms after the worker froze: ${livePids(token).join(", ")}`).toBe(true);
      expect(elapsedMs).toBeLessThan(windowMs + SLACK_MS);
      // Thawed, it finds its script stopped and goes on.
      const exited = once(worker, "exit");
      worker.kill("SIGCONT");
      expect(await exited).toEqual([0, null]);
    } finally {
      worker.kill("SIGKILL");
      killAll(token);
    }
  });
});
