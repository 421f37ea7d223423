import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRunLog } from "../../src/runlog/parse-run-log.js";
import { startHarness, type Harness } from "./harness.js";

let h: Harness;
let workers: Awaited<ReturnType<Harness["spawnApp"]>>[];
beforeAll(async () => {
  // One web process that only queues, three worker processes running one job per queue each.
  // A dead worker's jobs are noticed after 4 s instead of 30. With 1 s the test hung for 150 s once
  // in .ci/run: likely a worker's event loop stalled past 1 s on the loaded machine (loading
  // TypeScript), so a `process` job stalled twice, failed, and its run waited for a person.
  // Marker sweep: the test tells workers apart by a script's parent pid, which a PID namespace hides.
  h = await startHarness({ appArgs: ["start", "--no-workers"], env: { JOB_LOCK_MS: "4000", SCRIPT_CONTAINMENT: "marker-sweep" } });
  workers = [];
  for (let i = 0; i < 3; i++) workers.push(await h.spawnApp(["worker"], { WORKER_CONCURRENCY: "1" }));
}, 120_000);
afterAll(async () => {
  await h?.close();
});

/**
 * Records its execution, tells the beacon `name` it started along with its worker's pid (the
 * runner spawns the script directly, so `process.ppid` is the `chorebot worker` process),
 * then holds until the beacon `name-go` answers "finish" (ends) or "hang" (never ends).
 */
function failoverScript(name: string): string {
  return `import { appendFileSync } from "node:fs";
appendFileSync(process.env.SIDE_EFFECTS!, ${JSON.stringify(name)} + "\\n");
await fetch(process.env.BEACON + "/" + ${JSON.stringify(name)} + "?pid=" + process.ppid);
for (;;) {
  const answer = await (await fetch(process.env.BEACON + "/" + ${JSON.stringify(`${name}-go`)})).text();
  if (answer === "hang") await new Promise(() => setInterval(() => {}, 1000));
  if (answer === "finish") break;
  await new Promise((r) => setTimeout(r, 50));
}
console.log(${JSON.stringify(`${name} finished`)});
`;
}

describe("a worker process dies while other workers share the Redis", () => {
  it("the surviving workers run every script not yet started, once; the dead worker's script ends lost and never runs again", async () => {
    const names = ["fo-a", "fo-b", "fo-c", "fo-d", "fo-e", "fo-f"];
    const pathOf = (name: string) => `scripts/${name}.ts`;
    for (const name of names) h.beacon.answer(`${name}-go`, "wait");
    const firstStarted = Promise.race(names.map((name) => h.beacon.next(name).then(() => name)));
    await h.configure("order: parallel\n");
    const merged = await h.mergeAndPush({
      ...Object.fromEntries(names.map((name) => [pathOf(name), failoverScript(name)])),
    });
    const runIdOf = (name: string) => merged.runIds[pathOf(name)]!;

    // The first script to start is the one that hangs. Nothing can finish yet, so at most one
    // script per worker has started: at least three have not.
    const hanging = await firstStarted;
    h.beacon.answer(`${hanging}-go`, "hang");
    const others = names.filter((name) => name !== hanging);
    const startedBeforeKill = await h.executions();
    expect(startedBeforeKill.length).toBeLessThanOrEqual(workers.length);
    expect(startedBeforeKill.length).toBeLessThan(names.length);

    const workerPid = h.beacon.pid(hanging)!;
    const victim = workers.find((worker) => worker.process.child.pid === workerPid);
    expect(victim, `the script's parent ${workerPid} is one of the worker processes`).toBeDefined();
    const exited = once(victim!.process.child, "exit");
    process.kill(workerPid, "SIGKILL");
    await exited;
    const survivors = workers.filter((worker) => worker !== victim).map((worker) => worker.process.child.pid);

    for (const name of others) h.beacon.answer(`${name}-go`, "finish");
    const results = Object.fromEntries(await Promise.all(names.map(async (name) => [name, await h.waitForRun(runIdOf(name))] as const)));

    const lost = results[hanging]!;
    expect(lost.status).toBe("lost");
    const lostText = await h.gh.readFile("main", lost.logPath);
    expect(lostText, `${lost.logPath} is committed`).toBeDefined();
    const lostLog = parseRunLog(lostText!);
    expect(lostLog.frontMatter).toMatchObject({ status: "lost", attempt: 1, exit_code: null });
    expect(String(lostLog.frontMatter.message)).toContain("the script may have partly run");
    expect(await h.timesRan(hanging)).toBe(1);

    for (const name of others) {
      expect(results[name]!.status, name).toBe("succeeded");
      expect(await h.timesRan(name), name).toBe(1);
      expect(survivors, `${name} ran on a surviving worker`).toContain(h.beacon.pid(name));
      const log = parseRunLog((await h.gh.readFile("main", results[name]!.logPath))!);
      expect(log.frontMatter).toMatchObject({ status: "succeeded", attempt: 1 });
      expect(log.body).toContain(`${name} finished`);
    }
    for (const name of names) expect(await h.gh.readFile("main", pathOf(name)), pathOf(name)).toBeUndefined();

    // Nothing is left to run: the lost run stays failed, and no script ran again meanwhile.
    expect(await h.queues.execute.getJobState(runIdOf(hanging))).toBe("failed");
    expect((await h.executions()).length).toBe(names.length);
    // Room for a loaded machine: it timed out at 60 s twice while other work ran on the 2 cores (~5 s alone).
  }, 150_000);
});
