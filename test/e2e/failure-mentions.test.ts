import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";
import { recordingScript } from "./scripts.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe("a failing run's pull request", () => {
  it("names its author and approvers once: in the comment, and in a comment of their own when an edit first names them", async () => {
    const merged = await h.mergeAndPush(
      {
        // Path order: a succeeds first and the comment is posted without mentions.
        "scripts/mention-a.ts": recordingScript("mention-a", 'console.log("fine");'),
        "scripts/mention-b.ts": recordingScript("mention-b", 'throw new Error("connection refused: db-replica-3:5432");'),
      },
      { author: "alice", approvals: ["bob", "carol"] },
    );
    const results = await Promise.all(["scripts/mention-a.ts", "scripts/mention-b.ts"].map((path) => h.waitForRun(merged.runIds[path]!)));
    expect(results.map((r) => r.status)).toEqual(["succeeded", "failed"]);
    const [report, ping, ...rest] = h.gh.comments(merged.number).map((comment) => comment.body);
    expect(rest).toEqual([]);
    const wanted = "@alice @bob @carol: scripts/mention-b.ts failed. You wrote or approved it: please check what it did in production.";
    expect(report!.split("\n")[1]).toBe(wanted);
    expect(report).toContain("Error: connection refused: db-replica-3:5432 (exited with code 1)");
    expect(ping).toBe(`${wanted} The chorebot comment above has the details.`);
  });

  it("names no one when every run succeeds", async () => {
    const merged = await h.mergeAndPush({ "scripts/mention-quiet.ts": recordingScript("mention-quiet") }, { author: "alice", approvals: ["bob"] });
    expect((await h.waitForRun(merged.runIds["scripts/mention-quiet.ts"]!)).status).toBe("succeeded");
    const comments = h.gh.comments(merged.number);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).not.toContain("@");
  });
});
