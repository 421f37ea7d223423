import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRunLog } from "../../src/runlog/parse-run-log.js";
import { runKey } from "../../src/stores/run-key.js";
import { startHarness, type Harness } from "./harness.js";
import { beaconScript } from "./scripts.js";

let h: Harness;
let redis: Redis;
beforeAll(async () => {
  // A dead worker's jobs are noticed after 1 s instead of 30.
  h = await startHarness({ env: { JOB_LOCK_MS: "1000" } });
  redis = new Redis({ host: "127.0.0.1", port: h.redis.port });
});
afterAll(async () => {
  redis?.disconnect();
  await h?.close();
});

/** Polls until `check` holds: the tail is saved by the worker on its own schedule. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(50);
  }
}

describe("a run whose worker is SIGKILLed mid-run", () => {
  it("keeps what the script printed, redacted, and its real times", async () => {
    const name = "lost-but-talked";
    const path = `scripts/${name}.ts`;
    h.beacon.answer(name, "hang");
    // Prints before it calls the beacon, so the lines are out before the test moves on.
    const script = beaconScript(name).replace(
      "const answer = await",
      'console.log("connecting to db-replica-3");\nconsole.error("using token " + process.env.PROD_API_TOKEN);\nconst answer = await',
    );
    const merged = await h.mergeAndPush({ [path]: script });
    const runId = merged.runIds[path]!;
    await h.beacon.next(name);
    const startedBy = Date.now();
    await until("the worker saved the output so far", async () => ((await redis.hget(runKey("{chorebot}", runId), "output")) ?? "").includes("db-replica-3"));
    // Let the run go on for a while, so a duration of milliseconds would show.
    await sleep(2000);
    const killedAt = Date.now();
    await h.app.stop("SIGKILL");
    await h.restartApp();
    const lost = await h.waitForRun(runId);
    const noticedBy = Date.now();
    expect(lost.status).toBe("lost");

    const log = parseRunLog((await h.gh.readFile("main", lost.logPath))!);
    expect(log.frontMatter).toMatchObject({ status: "lost" });
    expect(log.body).not.toContain("The script printed nothing");
    expect(log.body).toContain("connecting to db-replica-3");
    expect(log.body).toContain("using token [REDACTED]");
    expect(log.body).not.toContain("prod-token-value-123");
    const startedAt = Date.parse(String(log.frontMatter.started_at));
    const durationMs = Number(log.frontMatter.duration_ms);
    // From the ledger's start (before the beacon answered) to when the loss was noticed (after the kill).
    expect(startedAt).toBeLessThanOrEqual(startedBy);
    expect(durationMs).toBeGreaterThanOrEqual(killedAt - startedBy);
    expect(startedAt + durationMs).toBeLessThanOrEqual(noticedBy);
    expect(Date.parse(String(log.frontMatter.finished_at))).toBe(startedAt + durationMs);
  });
});
