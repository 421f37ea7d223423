import { createHmac, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendWebhook } from "../github-stand-in/index.js";
import { startHarness, WEBHOOK_SECRET, type Harness } from "./harness.js";
import { recordingScript } from "./scripts.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const sign = (body: string) => `sha256=${createHmac("sha256", WEBHOOK_SECRET).update(body).digest("hex")}`;

async function post(body: string, headers: Record<string, string>) {
  const response = await fetch(h.webhookUrl, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", "x-github-delivery": randomUUID(), ...headers },
  });
  return { status: response.status, body: await response.text() };
}

describe("bad webhooks", () => {
  it("are refused (4xx) or ignored, queue nothing, are logged once, and the app keeps serving", async () => {
    const jobs = await h.jobCount();
    const malformedPush = JSON.stringify({ ref: "refs/heads/main", before: "x", after: "y" });
    // Just under GitHub's 25 MB payload cap; over it, a delivery is refused before it is read.
    const huge = JSON.stringify({ ref: "refs/heads/main", padding: "x".repeat(24 * 1024 * 1024) });
    const overCap = JSON.stringify({ ref: "refs/heads/main", padding: "x".repeat(26 * 1024 * 1024) });

    expect((await post("{}", { "x-github-event": "push" })).status).toBe(400); // no signature
    expect((await post("{}", { "x-github-event": "push", "x-hub-signature-256": sign("{ }") })).status).toBe(400); // wrong one
    expect((await post("{not json", { "x-github-event": "push", "x-hub-signature-256": sign("{not json") })).status).toBe(400);
    expect((await post("{}", { "x-hub-signature-256": sign("{}") })).status).toBe(400); // no event name
    expect((await post("{}", { "x-github-event": "frobnicate", "x-hub-signature-256": sign("{}") })).status).toBe(200);
    expect((await post(malformedPush, { "x-github-event": "push", "x-hub-signature-256": sign(malformedPush) })).status).toBe(200);
    expect((await post(huge, { "x-github-event": "push", "x-hub-signature-256": sign(huge) })).status).toBe(200);
    expect((await post(huge, { "x-github-event": "push", "x-hub-signature-256": sign("tampered") })).status).toBe(400);
    expect((await post(overCap, { "x-github-event": "push", "x-hub-signature-256": sign(overCap) })).status).toBe(413);

    expect(await h.jobCount()).toBe(jobs);
    const ignored = h.app.lines.filter((line) => String(line.msg).startsWith("push ignored: malformed push payload"));
    expect(ignored).toHaveLength(2);
    // Each forged delivery is logged (Probot's event handler and webhook middleware both
    // report it) in short lines, never with its 24 MB body.
    const forged = h.app.lines.filter((line) => String(line.err?.message).includes("signature does not match"));
    expect(forged.length).toBeGreaterThanOrEqual(2);
    expect(forged.length).toBeLessThanOrEqual(4);
    expect(Math.max(...forged.map((line) => JSON.stringify(line).length))).toBeLessThan(10_000);

    const merged = await h.mergeAndPush({ "scripts/after-bad-input.ts": recordingScript("after-bad-input") });
    expect((await h.waitForRun(merged.runIds["scripts/after-bad-input.ts"]!)).status).toBe("succeeded");
  });
});

describe("duplicate deliveries", () => {
  it("runs a script once when the same push arrives many times at once, at two replicas sharing Redis", async () => {
    const replica = await h.spawnApp(["start"]);
    const path = "scripts/delivered-often.ts";
    const merged = await h.gh.mergePullRequest({ files: { [path]: recordingScript("delivered-often") }, approvals: ["bob"] });
    const payload = h.gh.pushPayload({ before: merged.before, after: merged.after });
    const deliveries = [h.webhookUrl, `${replica.url}/api/github/webhooks`].flatMap((url) =>
      Array.from({ length: 4 }, () => sendWebhook({ url, secret: WEBHOOK_SECRET, event: "push", payload })),
    );
    const statuses = (await Promise.all(deliveries)).map((delivery) => delivery.status);
    expect(statuses).toEqual(Array(8).fill(200));

    const { runIdFor } = await import("../../src/pipeline/run-id.js");
    const runId = runIdFor({ owner: h.gh.owner, repo: h.gh.repo, commit: merged.after, path });
    expect((await h.waitForRun(runId)).status).toBe("succeeded");
    expect(await h.timesRan("delivered-often")).toBe(1);
    const logs = (await h.gh.listFiles("main", "logs")).filter((file) => file.includes("delivered-often"));
    expect(logs).toHaveLength(1);
    await replica.process.stop();
  });
});

describe("concurrent pushes to the default branch", () => {
  it("lands both runs' logs without losing either merge, when two replicas commit at once", async () => {
    const replica = await h.spawnApp(["start"]);
    const first = await h.gh.mergePullRequest({ files: { "scripts/race-a.ts": recordingScript("race-a") }, approvals: ["bob"] });
    const second = await h.gh.mergePullRequest({ files: { "scripts/race-b.ts": recordingScript("race-b") }, approvals: ["bob"] });
    const [a, b] = await Promise.all([
      h.deliverPush(first.before, first.after),
      sendWebhook({
        url: `${replica.url}/api/github/webhooks`,
        secret: WEBHOOK_SECRET,
        event: "push",
        payload: h.gh.pushPayload({ before: second.before, after: second.after }),
      }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);

    const { runIdFor } = await import("../../src/pipeline/run-id.js");
    const results = await Promise.all([
      h.waitForRun(runIdFor({ owner: h.gh.owner, repo: h.gh.repo, commit: first.after, path: "scripts/race-a.ts" })),
      h.waitForRun(runIdFor({ owner: h.gh.owner, repo: h.gh.repo, commit: second.after, path: "scripts/race-b.ts" })),
    ]);
    expect(results.map((r) => r.status)).toEqual(["succeeded", "succeeded"]);
    expect([await h.timesRan("race-a"), await h.timesRan("race-b")]).toEqual([1, 1]);
    for (const result of results) expect(await h.gh.readFile("main", result.logPath)).toBeDefined();
    const history = (await h.gh.commits()).map((commit) => commit.sha);
    expect(history).toEqual(expect.arrayContaining([first.after, second.after]));
    expect(await h.gh.listFiles("main", "scripts")).not.toEqual(expect.arrayContaining(["scripts/race-a.ts"]));
    expect(await h.gh.listFiles("main", "scripts")).not.toEqual(expect.arrayContaining(["scripts/race-b.ts"]));
    await replica.process.stop();
  });
});
