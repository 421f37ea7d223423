import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await h.gh.commitFiles({
    files: {
      "tsconfig.json": JSON.stringify({ compilerOptions: { strict: true, module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022", noEmit: true } }),
    },
  });
});
afterAll(async () => {
  await h?.close();
});

// Each declaration makes tsc build 1,000 ever longer tuples, about 250 MB and 2 s apiece:
// unchecked, this script's type check takes several GB and far over a minute.
const PATHOLOGICAL = [
  'type Grow<N extends number, S, A extends unknown[] = []> = A["length"] extends N ? A : Grow<N, S, [...A, [S, A["length"]]]>;',
  ...Array.from({ length: 12 }, (_, n) => `declare const grown${n}: Grow<999, ${n}>;`),
  "console.log(typeof grown0);",
  "",
].join("\n");

/** Opens a pull request, delivers `pull_request.opened` and waits for its `chorebot` check. */
async function checkOf(files: Record<string, string>) {
  const pr = await h.gh.openPullRequest({ files, author: "alice" });
  const delivery = await h.deliver("pull_request", h.gh.pullRequestPayload({ number: pr.number, action: "opened" }));
  // 202: still checking after 9 s (GitHub gives up on a delivery after 10).
  expect([200, 202]).toContain(delivery.status);
  const deadline = Date.now() + 90_000;
  for (;;) {
    const check = h.gh.checkRuns(pr.headSha).findLast((run) => run.name === "chorebot");
    if (check !== undefined || Date.now() > deadline) return check;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("a pull request whose types would take the server down", () => {
  it("gets a check stopped at a limit, while the app keeps answering; the next pull request is checked as before", async () => {
    const ping = async () => {
      const started = performance.now();
      await (await fetch(`${h.appUrl}/ping`)).text();
      return performance.now() - started;
    };
    await ping(); // The first fetch of this process sets up its client.
    let slowest = 0;
    let pings = 0;
    let checking = true;
    const pinging = (async () => {
      while (checking) {
        slowest = Math.max(slowest, await ping());
        pings++;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const started = performance.now();
    const check = await checkOf({ "scripts/pathological.ts": PATHOLOGICAL }).finally(() => (checking = false));
    const took = performance.now() - started;
    await pinging;

    expect(check).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(check!.output.title).toMatch(/^Type check stopped: over (60 s|1024 MB)$/);
    expect(check!.annotations).toContainEqual(
      expect.objectContaining({ path: "scripts/pathological.ts", annotation_level: "failure", title: check!.output.title }),
    );
    expect(took).toBeLessThan(75_000);
    expect(pings).toBeGreaterThan(10);
    // Unchecked, the app answered nothing for the whole type check. Here the slowest answer
    // takes about 130 ms, more when the 2-core machine is busy (the thread computes on one core).
    expect(slowest).toBeLessThan(1_000);

    // A fresh thread reads its definition and type-checks it against the built SDK.
    const next = await checkOf({
      "scripts/after-limit.ts": `import { defineScript, int } from "chorebot";
export default defineScript({ inputs: { limit: int({ default: 3 }) }, async run({ inputs }) { return inputs.limit * 2; } });
`,
    });
    expect(next).toMatchObject({ conclusion: "success", annotations: [] });
    expect(String(next!.output.summary)).toContain("✅ bundles, type-checks, packages installed");
  }, 120_000);
});
