import { once } from "node:events";
import { readdir } from "node:fs/promises";
import { afterAll, describe, expect, it } from "vitest";
import { FORCE_CLOSE_MS } from "../../src/pipeline/start-workers.js";
import { KEEP_AFTER_MS } from "../../src/stores/result-spool.js";
import { generateAppKey } from "../helpers/app-key.js";
import { freePort } from "../helpers/redis-server.js";
import { spawnChorebot, type ChorebotProcess } from "./chorebot-process.js";
import { startHarness, type Harness } from "./harness.js";
import { beaconScript } from "./scripts.js";

const GRACE_S = 2;
const GRACE_MS = GRACE_S * 1000;
// With Redis unreachable nothing can be flushed: a stop takes at most the grace for running
// scripts, KEEP_AFTER_MS for their outcomes to go to disk, and FORCE_CLOSE_MS for each of the
// closes that may wait on Redis (the web part's, the workers', the queues'). Plus the exit of
// a process on a busy test host.
const EXIT_MARGIN_MS = 1_500;
const STOP_BOUND_MS = GRACE_MS + KEEP_AFTER_MS + 3 * FORCE_CLOSE_MS + EXIT_MARGIN_MS;

async function health(port: number) {
  const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(3_000) });
  return { status: res.status, body: (await res.json()) as { status: string; reason?: string; redis: { up: boolean } } };
}

/** What an operator reads while Redis is away: one clear line at a bounded rate, no stack traces, nothing but log lines. */
function expectQuietOutage(app: ChorebotProcess, redisPort: number, sinceMs: number) {
  const unreachable = app.lines.filter((line) => line.msg === `cannot reach Redis at 127.0.0.1:${redisPort} (REDIS_URL): connection refused; retrying`);
  expect(unreachable.length).toBeGreaterThanOrEqual(1);
  expect(unreachable.length).toBeLessThanOrEqual(1 + Math.ceil((Date.now() - sinceMs) / 60_000));
  const raw = app.lines.filter((line) => line.level === undefined);
  expect(raw, "every line is a log line (no stack printed by ioredis or BullMQ)").toEqual([]);
  expect(JSON.stringify(app.lines)).not.toMatch(/\\n\s+at |Unhandled error event/);
}

/** Sends `signal` and resolves with how the process exited and how long it took. */
async function stop(app: ChorebotProcess, signal: NodeJS.Signals): Promise<{ ms: number; code: number | null }> {
  const started = Date.now();
  const exited = once(app.child, "exit") as Promise<[number | null]>;
  app.child.kill(signal);
  const [code] = await exited;
  const ms = Date.now() - started;
  console.log(`${signal} with Redis unreachable: exited ${code} after ${ms} ms (bound ${STOP_BOUND_MS} ms)`);
  return { ms, code };
}

/** The last line a stopping process printed. */
const lastLine = (app: ChorebotProcess) => app.lines.at(-1) ?? {};

describe("Redis unreachable from the start", () => {
  it("one line, /health not ready, and SIGINT stops the process at once, exit 0", { timeout: 30_000 }, async () => {
    const [redisPort, port] = await Promise.all([freePort(), freePort()]);
    const since = Date.now();
    const app = spawnChorebot(["start"], {
      APP_ID: "1",
      PRIVATE_KEY: generateAppKey(),
      WEBHOOK_SECRET: "x",
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      PORT: String(port),
      HOST: "127.0.0.1",
      SHUTDOWN_GRACE: `${GRACE_S}s`,
    });
    try {
      await app.waitForLine((line) => String(line.msg).startsWith("workers started"));
      await app.waitForLine((line) => String(line.msg).startsWith("Listening on"));
      await app.waitForLine((line) => String(line.msg).startsWith("cannot reach Redis at"));
      const answer = await health(port);
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ status: "unavailable", redis: { up: false } });
      expect(answer.body.reason).not.toMatch(/maxRetriesPerRequest/);
      expectQuietOutage(app, redisPort, since);

      const { ms, code } = await stop(app, "SIGINT");
      // No script runs: nothing waits for the grace.
      expect(ms).toBeLessThan(STOP_BOUND_MS - GRACE_MS);
      expect(code).toBe(0);
      expect(lastLine(app)).toMatchObject({ msg: "stopped" });
      expectQuietOutage(app, redisPort, since);
    } finally {
      app.child.kill("SIGKILL");
    }
  });
});

describe("Redis gone while a script runs", () => {
  let h: Harness | undefined;
  afterAll(async () => {
    // The harness's own clients close through Redis: bring it back if a failure left it stopped.
    const server = h?.redis.process;
    if (server && (server.exitCode !== null || server.signalCode !== null)) await h!.redis.restart();
    await h?.close();
  });

  it(
    "SIGTERM: the script finishes within the grace, its outcome is kept on disk, the process exits 0 within the bound; once Redis and the worker are back the log is committed once, with its output, and nothing runs again",
    { timeout: 60_000 },
    async () => {
      // Persistence, so the run's jobs outlive Redis' restart. A short job lock: the restarted
      // worker sees the stopped worker's execute job as stalled within seconds (and the script
      // finishes well before its claim, 7/8 of it, lapses with Redis gone).
      h = await startHarness({
        redisArgs: ["--appendonly", "yes", "--appendfsync", "always"],
        env: { SHUTDOWN_GRACE: `${GRACE_S}s`, JOB_LOCK_MS: "3000", SCRIPT_CONTAINMENT: "marker-sweep" },
      });
      const name = "redis-gone";
      const path = `scripts/${name}.ts`;
      // The script waits for the test's go, asked for through the beacon (not through Redis).
      const merged = await h.mergeAndPush({
        [path]: beaconScript(
          name,
          `while ((await (await fetch(process.env.BEACON + "/${name}-go")).text()) !== "go") await new Promise((r) => setTimeout(r, 50));
console.log("finished after Redis went away");`,
        ),
      });
      const runId = merged.runIds[path]!;
      await h.beacon.next(name);

      const since = Date.now();
      const redisServer = h.redis.process;
      redisServer.kill("SIGTERM");
      await once(redisServer, "exit");
      await h.app.waitForLine((line) => String(line.msg).startsWith("cannot reach Redis at"));
      const stopping = stop(h.app, "SIGTERM");
      await h.app.waitForLine((line) => String(line.msg).includes("SIGTERM received"));
      h.beacon.answer(`${name}-go`, "go");
      const { ms, code } = await stopping;
      expect(ms).toBeLessThan(STOP_BOUND_MS);
      expect(code).toBe(0);
      expect(h.app.lines.some((line) => line.runId === runId && /kept on disk until Redis takes it/.test(String(line.msg)))).toBe(true);
      const stopped = lastLine(h.app);
      expect(stopped.msg).toMatch(/^stopped; left for Redis: 1 outcome\(s\) kept on disk in (\S+), recorded by the next worker started on this host$/);
      const spoolDir = /kept on disk in (\S+),/.exec(String(stopped.msg))![1]!;
      expect((await readdir(spoolDir)).filter((file) => file.startsWith(runId))).toHaveLength(1);
      expectQuietOutage(h.app, h.redis.port, since);

      await h.redis.restart();
      await h.restartApp();
      const result = await h.waitForRun(runId);
      expect(result.status).toBe("succeeded");
      expect(await h.gh.readFile("main", result.logPath)).toContain("finished after Redis went away");
      expect((await h.gh.listFiles("main", "logs")).filter((file) => file.includes(name))).toHaveLength(1);
      expect(await h.timesRan(name)).toBe(1);
      expect((await readdir(spoolDir)).filter((file) => file.startsWith(runId))).toEqual([]);
    },
  );
});
