import { stat } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readLiveState } from "../../src/pipeline/live-state.js";
import { launchChromium, type TestChromium } from "../helpers/chromium.js";
import { DASHBOARD, startHarness, type Harness } from "./harness.js";
import { recordingScript } from "./scripts.js";

/**
 * What an operator sees in the dashboard, in a real browser (Debian's chromium, driven by
 * playwright-core): runs made by the real app, through the whole pipeline. One browser for
 * the whole file. The screenshot of a failed and a succeeded run is the README's; it is
 * written to docs/dashboard.png when UPDATE_SCREENSHOTS=1, else to the OS temp folder.
 */

const SCREENSHOT = join(import.meta.dirname, "..", "..", "docs", "dashboard.png");

const OK = "scripts/2026-11-backfill-plan-seats.ts";
const FAILS = "scripts/2026-11-fix-replica-lag.ts";
const UNRECORDED = "scripts/2026-11-resend-invoices.ts";
const LIVE = "scripts/2026-11-reindex-search.ts";
const WAITS = "scripts/2026-11-expire-trials.ts";

const okScript = `import { defineScript } from "chorebot";

export default defineScript({
  description: "Give every plan its purchased seats",
  async run({ progress, counter, log }) {
    counter.set("plans fixed", 120);
    progress({ done: 120 }); // a count, without a total
    log("120 plans fixed");
    return { fixed: 120 };
  },
});
`;
const failingScript = `console.log("checking replica lag on db-replica-3");
throw new Error("connection refused: db-replica-3:5432");
`;
// Holds the global lock, its progress reported, until the test answers "finish".
const liveScript = `import { defineScript } from "chorebot";

export default defineScript({
  concurrency: "global",
  async run({ progress, counter, log }) {
    counter.inc("documents", 40);
    progress({ done: 1, total: 3 });
    log("first of 3 shards reindexed");
    await fetch(process.env.BEACON + "/dashboard-live");
    while ((await (await fetch(process.env.BEACON + "/dashboard-live-wait")).text()) !== "finish") {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    progress({ done: 3, total: 3 });
  },
});
`;
const waitingScript = `import { defineScript } from "chorebot";

export default defineScript({
  concurrency: "global",
  async run({ log }) {
    log("trials expired");
  },
});
`;

let h: Harness;
let chromium: TestChromium;
let profile: string;
let browser: BrowserContext;

beforeAll(async () => {
  [h, chromium] = await Promise.all([
    startHarness({ env: { GITHUB_STEP_ATTEMPTS: "1", WORKER_CONCURRENCY: "2" } }),
    launchChromium({ httpCredentials: { username: DASHBOARD.user, password: DASHBOARD.password }, viewport: { width: 1280, height: 900 } }),
  ]);
  ({ context: browser, profile } = chromium);
});

afterAll(async () => {
  await chromium?.close();
  await h?.close();
});

/** A page of the dashboard, loaded. */
async function open(path: string): Promise<Page> {
  const page = browser.pages()[0] ?? (await browser.newPage());
  await page.goto(`${h.appUrl}/admin/queues${path}`);
  return page;
}

/** The card of the job whose name starts with `name`. */
const card = (page: Page, name: string) => page.locator("div[class^='card-']").filter({ has: page.locator("h5", { hasText: name }) });

/** Polls until `check` holds (the app writes live state every half second). */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + 20_000; !(await check()); await sleep(100)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

describe("the dashboard in a browser", () => {
  it("shows a failed script as failed, next to a succeeded one, with the queues in pipeline order", async () => {
    const merged = await h.mergeAndPush({ [OK]: okScript, [FAILS]: failingScript });
    expect((await h.waitForRun(merged.runIds[OK]!)).status).toBe("succeeded");
    expect((await h.waitForRun(merged.runIds[FAILS]!)).status).toBe("failed");

    const overview = await open("");
    const queueLinks = overview.locator("main a[href*='/queue/']");
    await expect
      .poll(() => queueLinks.allInnerTexts(), { timeout: 15_000 })
      .toEqual(["1. discover", "2. process", "3. execute", "4. cleanup", "chores: index", "chores: schedule"]);

    const page = await open("/queue/execute?status=completed");
    const failed = page.getByRole("heading", { name: `${FAILS} — ✗ failed: Error: connection refused: db-replica-3:5432` });
    const succeeded = page.getByRole("heading", { name: `${OK} — ✓ succeeded` });
    await failed.waitFor();
    await succeeded.waitFor();
    // A count without a total is no percentage: no ring, and the Progress tab says so.
    const okCard = card(page, OK);
    await okCard.getByRole("tab", { name: "Progress" }).click();
    await okCard.getByText("120 done (no total given) · plans fixed 120 · 1 line logged").waitFor();
    expect(await okCard.locator("svg text").count()).toBe(0);

    // The README's picture: both cards, whole, the succeeded one on its Progress tab.
    const shot = process.env.UPDATE_SCREENSHOTS === "1" ? SCREENSHOT : join(profile, "dashboard.png");
    // The window as tall as the two cards, so that the menu runs down the whole picture too.
    await page.setViewportSize({ width: 1280, height: Number(await page.evaluate("document.documentElement.scrollHeight")) });
    await page.mouse.move(0, 0); // no button hovered in the picture
    await page.screenshot({ path: shot });
    await page.setViewportSize({ width: 1280, height: 900 });
    expect((await stat(shot)).size).toBeGreaterThan(20_000);
  }, 120_000);

  it("asks nothing of another origin: Bull Board's Google Fonts stylesheet is refused by the page's policy", async () => {
    const page = browser.pages()[0] ?? (await browser.newPage());
    // Playwright reports a request the policy blocks too: what must not happen is an answer from elsewhere.
    const elsewhere: string[] = [];
    const note = (response: { url(): string }) => {
      if (new URL(response.url()).origin !== new URL(h.appUrl).origin && !response.url().startsWith("data:")) elsewhere.push(response.url());
    };
    page.on("response", note);
    const blocked: string[] = [];
    page.on("console", (message) => {
      if (message.text().includes("Content Security Policy")) blocked.push(message.text());
    });
    try {
      const response = await page.goto(`${h.appUrl}/admin/queues`, { waitUntil: "networkidle" });
      expect(response?.headers()["content-security-policy"]).toContain("default-src 'self'");
      await page.locator("main a[href*='/queue/']").first().waitFor();
      expect(elsewhere).toEqual([]);
      expect(blocked.join("\n")).toContain("fonts.googleapis.com");
    } finally {
      page.off("response", note);
    }
  });

  it("says in a sentence which step failed, why, and what Retry does", async () => {
    h.gh.failNext({
      method: "PATCH",
      path: /\/git\/refs\/heads/,
      status: 403,
      body: { message: "Resource not accessible by integration", documentation_url: "https://docs.github.com/rest" },
    });
    const merged = await h.mergeAndPush({ [UNRECORDED]: recordingScript("dashboard-unrecorded") });
    await expect(h.waitForRun(merged.runIds[UNRECORDED]!)).rejects.toThrow(/Resource not accessible by integration/);

    const page = await open("/queue/cleanup?status=failed");
    await page.getByRole("heading", { name: `${UNRECORDED} — ✗ cleanup failed: GitHub answered 403 Forbidden` }).waitFor();
    // A failed job's card opens on its Error tab.
    const error = page.getByText("Cleanup failed: GitHub answered 403 Forbidden (Resource not accessible by integration) while committing the run log.", {
      exact: false,
    });
    await error.waitFor();
    expect(await error.innerText()).toBe(
      "Cleanup failed: GitHub answered 403 Forbidden (Resource not accessible by integration) while committing the run log. " +
        "Retry commits the log; the script does not run again.",
    );
    expect(await page.locator("main").innerText()).not.toMatch(/\bat .+\.js:\d+|HttpError|StepError/);
  }, 120_000);

  it("shows a running script's progress and counters, and why another run waits", async () => {
    const live = await h.mergeAndPush({ [LIVE]: liveScript });
    const liveRun = live.runIds[LIVE]!;
    await h.beacon.next("dashboard-live");
    const waiting = await h.mergeAndPush({ [WAITS]: waitingScript });
    const waitingRun = waiting.runIds[WAITS]!;
    const liveState = async (runId: string) => readLiveState((await h.queues.execute.getJob(runId))?.progress);
    await until("the live run's counters", async () => (await liveState(liveRun)).counters.documents === 40);
    await until("the second run to wait for the lock", async () => (await liveState(waitingRun)).waiting !== undefined);

    const active = await open("/queue/execute?status=active");
    const running = card(active, LIVE);
    await running.waitFor();
    await expect.poll(() => running.locator("svg text").allTextContents(), { timeout: 15_000 }).toEqual(["33%"]);
    await running.getByRole("tab", { name: "Progress" }).click();
    const summary = running.getByText("1 of 3 done (33 %) · documents 40 · 1 line logged");
    await summary.waitFor();

    const delayed = await open("/queue/execute?status=delayed");
    await delayed.getByRole("heading", { name: new RegExp(`^${WAITS} — ◷ waiting: global lock held by .*${liveRun}`) }).waitFor();

    h.beacon.answer("dashboard-live-wait", "finish");
    expect((await h.waitForRun(liveRun)).status).toBe("succeeded");
    expect((await h.waitForRun(waitingRun)).status).toBe("succeeded");
  }, 120_000);
});
