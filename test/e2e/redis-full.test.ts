import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../helpers/redis-server.js";
import { startHarness, type Harness } from "./harness.js";
import { beaconScript, recordingScript } from "./scripts.js";

// Small, and never evicting, as BullMQ requires: filling it makes Redis refuse writes.
const MAXMEMORY = 24 * 1024 * 1024;
const HOLD_FULL_MS = 15_000;

let h: Harness;
let redis: Redis;
let filler: ReturnType<typeof keepFull> | undefined;
beforeAll(async () => {
  h = await startHarness({ redisArgs: ["--maxmemory", String(MAXMEMORY), "--maxmemory-policy", "noeviction", "--appendonly", "yes"] });
  redis = new Redis(h.redis.port, "127.0.0.1");
});
afterAll(async () => {
  // A failed test must not leave Redis full or read-only: the app could not stop cleanly.
  await filler?.stop();
  await redis?.replicaof("NO", "ONE");
  redis?.disconnect();
  await h?.close();
});

/**
 * Makes Redis full: its maxmemory drops below what it holds, so with noeviction it refuses
 * every write that could grow it (OOM), as a Redis that filled up does, until `stop()`
 * gives it room again. (Filling it with keys instead races with whatever memory Redis
 * frees meanwhile, and lets some writes through.)
 */
function keepFull(): { full: Promise<void>; stop(): Promise<void> } {
  const full = (async () => {
    await redis.config("SET", "maxmemory", "1mb");
    await expect(redis.set("probe", "x")).rejects.toThrow(/OOM command not allowed/);
  })();
  return {
    full,
    async stop() {
      await full.catch(() => undefined);
      await redis.config("SET", "maxmemory", String(MAXMEMORY));
    },
  };
}

describe("a Redis that is full", () => {
  it(
    "loses no run: webhooks get 2xx or 503, a script that finished meanwhile keeps its result, and every log lands once there is room",
    { timeout: 180_000 },
    async () => {
      // Running when Redis fills up: it finishes while its result cannot be stored.
      const running = "full-running";
      const first = await h.mergeAndPush({ [`scripts/${running}.ts`]: beaconScript(running, `console.log("finished while Redis was full");`) });
      expect(first.delivery.status).toBe(200);
      await h.beacon.next(running);

      filler = keepFull();
      await filler.full;
      const linesBefore = h.app.lines.length;
      const fullSince = Date.now();
      h.beacon.answer(running, "finish");

      // Merges while Redis is full: each webhook is answered, 2xx (queued) or 503 (redeliver later).
      const during = [];
      for (let i = 0; i < 5; i++) {
        const merged = await h.mergeAndPush({ [`scripts/full-${i}.ts`]: recordingScript(`full-${i}`) });
        expect([200, 202, 503], merged.delivery.body).toContain(merged.delivery.status);
        during.push(merged);
      }
      // The script that was running has finished, and its outcome waits for room.
      await waitUntil("the running script's outcome is kept on disk", async () => outcomeKept(first.runIds[`scripts/${running}.ts`]!));
      // Redis stays full a while: what the app logs meanwhile must not grow with it. (A sleep on
      // purpose: the rate over a stretch of time is what is measured.)
      const quietFrom = h.app.lines.length;
      await sleep(HOLD_FULL_MS);
      const held = h.app.lines.slice(quietFrom);
      const fullForMs = Date.now() - fullSince;
      const lines = h.app.lines.slice(linesBefore);

      await filler.stop();
      filler = undefined;
      // /health says when Redis takes writes again: then GitHub's deliveries can be redelivered.
      await waitUntil("/health reports ready", async () => (await fetch(`${h.appUrl}/health`)).status === 200);
      for (const merged of during) {
        if (merged.delivery.status === 503)
          expect((await h.deliverPush(merged.before, merged.after, { deliveryId: `again-${merged.after}` })).status).toBe(200);
      }
      const result = await h.waitForRun(first.runIds[`scripts/${running}.ts`]!);
      expect(result.status).toBe("succeeded");
      const log = await h.gh.readFile("main", result.logPath);
      expect(log).toContain("finished while Redis was full");
      for (const [i, merged] of during.entries()) {
        expect((await h.waitForRun(merged.runIds[`scripts/full-${i}.ts`]!)).status).toBe("succeeded");
        expect(await h.timesRan(`full-${i}`)).toBe(1);
      }
      expect(await h.timesRan(running)).toBe(1);
      console.log(
        `Redis full for ${fullForMs} ms: ${lines.length} app log lines in all, ${held.length} in the last ${HOLD_FULL_MS} ms with no requests; ` +
          `webhooks ${during.map((m) => m.delivery.status).join(", ")}`,
      );
      // One line a minute per thing that is failing (the monitor, each queue's worker, the kept outcome), not one per retry.
      expect(held.length, held.map((line) => String(line.msg)).join("\n")).toBeLessThanOrEqual(8);
    },
  );
});

describe("a Redis that turns read-only mid-run (a failover's replica)", () => {
  it("keeps the outcome of the script that was running, and commits its log once Redis takes writes again", { timeout: 120_000 }, async () => {
    const name = "readonly-running";
    const path = `scripts/${name}.ts`;
    const merged = await h.mergeAndPush({ [path]: beaconScript(name, `console.log("finished while Redis was read-only");`) });
    const runId = merged.runIds[path]!;
    await h.beacon.next(name);
    // A replica of a master that is not there: it keeps its data and refuses every write (READONLY).
    await redis.replicaof("127.0.0.1", String(await freePort()));
    await expect(redis.set("probe", "x")).rejects.toThrow(/READONLY/);
    h.beacon.answer(name, "finish");
    await waitUntil("the outcome is kept on disk", async () => outcomeKept(runId));
    expect(await redis.hexists(`{chorebot}:runs:${runId}`, "outcome:1")).toBe(0);

    await redis.replicaof("NO", "ONE");
    const result = await h.waitForRun(runId);
    expect(result.status).toBe("succeeded");
    expect(await h.gh.readFile("main", result.logPath)).toContain("finished while Redis was read-only");
    expect(await h.timesRan(name)).toBe(1);
  });
});

/** Whether the app said it kept the run's outcome on disk, Redis refusing it. */
function outcomeKept(runId: string): boolean {
  return h.app.lines.some((line) => line.runId === runId && /kept on disk until Redis takes it/.test(String(line.msg)));
}

/** Polls until `probe` holds (Redis being full has no event to await). */
async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(200);
  }
}
