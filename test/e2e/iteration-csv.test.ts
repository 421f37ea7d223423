import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestBrowser } from "../helpers/test-browser.js";
import { pushJobs } from "./push-jobs.js";
import { startHarness, type Harness } from "./harness.js";
import { processed, repeated, upTo } from "./iteration-scripts.js";

// A chore whose collection is the rows of an uploaded CSV file (csvRows), run from its page.
const NAME = "import-codes";
const PATH = `chores/${NAME}.ts`;
const ROWS = 10_000;
const chore = `import { appendFileSync } from "node:fs";
import { csvRows, defineScript, file } from "chorebot";
export default defineScript({
  description: "Imports discount codes from a CSV",
  inputs: { codes: file({ description: "id,code rows" }) },
  batchSize: 1000,
  collection: csvRows("codes"),
  process(row) {
    appendFileSync("${NAME}.items", row.id + " " + Date.now() + "\\n");
  },
});
`;

let h: Harness;
const { finished: pushJob, close: closePushJobs } = pushJobs(() => h);
beforeAll(async () => {
  h = await startHarness({ chores: true });
  const merge = await h.mergeAndPush({ [PATH]: chore });
  await Promise.all([pushJob(h.queues.index, merge.after), pushJob(h.queues.discover, merge.after)]);
}, 120_000);
afterAll(async () => {
  await closePushJobs();
  await h?.close();
});

describe("an iteration over an uploaded CSV file", () => {
  it("processes every one of its 10,000 rows once, in order", async () => {
    const browser = new TestBrowser({ base: h.appUrl, githubHost: h.gh.host, githubCookie: h.gh.signInAs("alice") });
    const page = `/chores/${h.gh.owner}/${h.gh.repo}/${NAME}`;
    const { response } = await browser.follow(page);
    expect(response.status).toBe(200);
    const html = await response.text();
    const hidden: Record<string, string> = {};
    for (const [, field, value] of html.matchAll(/<input type="hidden" name="([a-z_]+)" value="([^"]*)"/g)) hidden[field!] ??= value!;
    const csv = ["id,code", ...upTo(ROWS).map((id) => `${id},CODE-${id}`)].join("\n") + "\n";
    const form = new FormData();
    for (const [field, value] of Object.entries(hidden)) form.append(field, value);
    form.append("codes", new Blob([csv], { type: "text/csv" }), "codes.csv");
    const answer = await browser.send(page, { method: "POST", headers: { origin: h.appUrl }, body: form });
    expect(answer.status).toBe(303);
    const runId = decodeURIComponent(answer.headers.get("location")!.replace(/^.*\/chores\/runs\//, ""));

    const recorded = await h.waitForRun(runId);
    expect(recorded.status).toBe("succeeded");
    const items = await processed(h, NAME);
    expect(items.map((entry) => entry.item)).toEqual(upTo(ROWS));
    expect(repeated(items)).toEqual([]);
  }, 180_000);
});
