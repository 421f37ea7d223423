import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRunLog } from "../../src/runlog/parse-run-log.js";
import { DASHBOARD, startHarness, type Harness } from "./harness.js";
import { recordingScript } from "./scripts.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const auth = { authorization: `Basic ${Buffer.from(`${DASHBOARD.user}:${DASHBOARD.password}`).toString("base64")}` };

describe("a script that dies of an error it did not catch", () => {
  it("is failed with its own error in the API's message and the log, redacted", async () => {
    const path = "scripts/replica-down.ts";
    const body = 'throw new Error("connection refused: db-replica-3:5432 as " + process.env.PROD_API_TOKEN);';
    const merged = await h.mergeAndPush({ [path]: recordingScript("replica-down", body) });
    const runId = merged.runIds[path]!;
    const result = await h.waitForRun(runId);
    expect(result.status).toBe("failed");

    const response = await fetch(`${h.appUrl}/api/runs/${encodeURIComponent(runId)}`, { headers: auth });
    expect(response.status).toBe(200);
    const view = (await response.json()) as { status: string; exit_code: number; message: string };
    expect(view).toMatchObject({ status: "failed", exit_code: 1 });
    expect(view.message).toMatch(/^Error: connection refused: db-replica-3:5432 as \S+ \(exited with code 1\)$/);
    expect(view.message).not.toContain("prod-token-value-123");

    const log = parseRunLog((await h.gh.readFile("main", result.logPath))!);
    expect(log.frontMatter.message).toBe(view.message);
  });
});
