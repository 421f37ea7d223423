import { join } from "node:path";
import { Job, QueueEvents } from "bullmq";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discoverJobId } from "../../src/pipeline/run-id.js";
import { parseRunLog } from "../../src/runlog/parse-run-log.js";
import { launchChromium, type TestChromium } from "../helpers/chromium.js";
import { startHarness, type Harness } from "./harness.js";

/**
 * A workflow chore's run page in a real browser, against the real app and the GitHub stand-in:
 * its steps appear as each one ends while the run goes, then the walk back, where each step
 * stands and what was undone once it rolled back; a step's error and state changes stay text.
 * The rolled-back run's screenshot is the README's (docs/workflow-run.png with UPDATE_SCREENSHOTS=1).
 */

const PATH = "chores/refund-order.ts";
const NAME = "refund-order";
const DOCS = join(import.meta.dirname, "..", "..", "docs");
const LIVE = { timeout: 20_000 };

// `ship` asks the beacon until the test answers: the page is caught with two steps done and one running.
const chore = `import { defineWorkflow, step } from "chorebot";

async function carrier(): Promise<string> {
  for (;;) {
    const said = await (await fetch(process.env.BEACON + "/ship")).text();
    if (said !== "ok") return said;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export default defineWorkflow({
  description: "Refunds an order: puts the stock back, refunds the card, tells the carrier",
  env: ["BEACON"],
  state: { order: "A-1001", restocked: false, refund: null as string | null, note: "" },
  stepTimeout: "30s",
  steps: [
    step({
      name: "restock",
      run(state) {
        state.restocked = true;
        state.note = "<img src=x onerror=alert(1)>";
      },
      rollback(state) {
        state.restocked = false;
      },
    }),
    step({
      name: "refund",
      run(state) {
        state.refund = "re_42";
      },
      rollback(state) {
        state.refund = null;
      },
    }),
    step({
      name: "ship",
      async run() {
        if ((await carrier()) === "fail") throw new Error("carrier down: 503 <b>try later</b>");
      },
      rollback() {},
    }),
  ],
});
`;

let h: Harness;
let browser: TestChromium;

async function indexed(after: string): Promise<void> {
  const events = new QueueEvents(h.queues.index.name, { connection: { host: "127.0.0.1", port: h.redis.port }, prefix: h.queues.index.opts.prefix! });
  try {
    await events.waitUntilReady();
    const job = await Job.fromId(h.queues.index, discoverJobId({ owner: h.gh.owner, repo: h.gh.repo, after }));
    await job!.waitUntilFinished(events);
  } finally {
    await events.close();
  }
}

beforeAll(async () => {
  [h, browser] = await Promise.all([startHarness({ chores: true }), launchChromium({ viewport: { width: 960, height: 720 } })]);
  const merged = await h.mergeAndPush({ [PATH]: chore });
  await indexed(merged.after);
  const [name, value] = h.gh.signInAs("alice").split("=") as [string, string];
  await browser.context.addCookies([{ name, value, url: `http://${h.gh.host}` }]);
});

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

async function expectText(locator: Locator, ...parts: string[]): Promise<void> {
  for (const part of parts) {
    await expect.poll(async () => (await locator.innerText({ timeout: 2_000 }).catch(() => "")).replace(/\s+/g, " "), LIVE).toContain(part);
  }
}

/** The text of each cell of the steps table's body, row by row. */
async function entryRows(page: Page): Promise<string[][]> {
  return page
    .locator("#run-steps table.step-entries tbody tr")
    .evaluateAll((rows) => rows.map((row) => [...row.querySelectorAll("td")].map((cell) => (cell.textContent ?? "").replace(/\s+/g, " ").trim())));
}

describe("a workflow chore's run page in a browser", () => {
  it("shows the steps as they end, then the walk back and what was undone, all as text", async () => {
    const page = await newPage();
    const dialogs: string[] = [];
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(`${h.appUrl}/chores/${h.gh.owner}/${h.gh.repo}/${NAME}`);
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await page.waitForURL(/\/chores\/runs\//);
    const runId = decodeURIComponent(/\/chores\/runs\/([^/?#]+)$/.exec(page.url())![1]!);

    // Live: two steps done, the third running (not run yet, as far as the record goes).
    await h.beacon.next("ship");
    const steps = page.locator("#run-steps");
    await expectText(page.getByRole("heading", { level: 1 }), "running");
    await expectText(steps, "restock: done", "refund: done", "ship: not run yet");
    await expect
      .poll(() => entryRows(page), LIVE)
      .toEqual([
        // Against the state the workflow started from, markup shown as text.
        ["1", "restock", "run", "succeeded", expect.stringMatching(/ms$/), '$.restocked: false → true $.note: "" → "<img src=x onerror=alert(1)>"'],
        ["2", "refund", "run", "succeeded", expect.stringMatching(/ms$/), '$.refund: null → "re_42"'],
      ]);

    h.beacon.answer("ship", "fail");
    const result = await h.waitForRun(runId);
    expect(result.status).toBe("rolled_back");
    await expectText(page.getByRole("heading", { level: 1 }), "rolled_back");
    await expectText(steps, "Undone: ship, refund, restock; not undone: none.", "restock: undone", "refund: undone", "ship: failed, undone");
    await expect
      .poll(async () => (await entryRows(page)).map((cells) => cells.slice(1, 4).join(" ")), LIVE)
      .toEqual([
        "restock run succeeded",
        "refund run succeeded",
        "ship run failed",
        "ship rollback succeeded",
        "refund rollback succeeded",
        "restock rollback succeeded",
      ]);
    expect((await entryRows(page))[2]![5]).toBe("carrier down: 503 <b>try later</b>");
    // What the script wrote stayed text: no element, no script ran.
    expect(await steps.locator("img, b").count()).toBe(0);
    expect(dialogs).toEqual([]);

    // The same page loaded afresh (no stream): the server renders the same steps.
    await page.reload();
    await expectText(steps, "Undone: ship, refund, restock; not undone: none.");
    expect((await entryRows(page)).length).toBe(6);
    await page.mouse.move(0, 0);
    await page.screenshot({
      path: process.env.UPDATE_SCREENSHOTS === "1" ? join(DOCS, "workflow-run.png") : join(browser.profile, "workflow-run.png"),
      fullPage: true,
    });

    const { frontMatter, body } = parseRunLog((await h.gh.readFile(h.gh.defaultBranch, result.logPath))!);
    expect(frontMatter).toMatchObject({ status: "rolled_back", workflow_outcome: "rolled_back", failed_step: "ship" });
    expect(body).toContain("undone: `ship`, `refund`, `restock`; not undone: none.");
    expect(body).toContain("```mermaid\nflowchart LR\n");
    await page.close();
  }, 120_000);
});

async function newPage(): Promise<Page> {
  return browser.context.newPage();
}
