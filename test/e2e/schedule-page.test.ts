import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schedulerIdOf } from "../../src/pipeline/run-id.js";
import { launchChromium, type TestChromium } from "../helpers/chromium.js";
import { DASHBOARD, METRICS_AUTH, startHarness, type Harness } from "./harness.js";
import { pushJobs } from "./push-jobs.js";

/**
 * A scheduled chore's panel in a real browser, against the real app, workers, BullMQ job
 * scheduler and the GitHub stand-in: its next occurrence (BullMQ's own), its runs on schedule
 * (never shown as a person), Pause (the page says by whom) and Resume, and /metrics. The page's
 * screenshot is the README's: written to docs/ when UPDATE_SCREENSHOTS=1.
 */

const NAME = "purge-sessions";
const PATH = `chores/${NAME}.ts`;
const EVERY_MS = 4_000;
const DOCS = join(import.meta.dirname, "..", "..", "docs");
const LIVE = { timeout: 30_000 };

const chore = `import { defineScript } from "chorebot";

export default defineScript({
  description: "Purges expired sessions",
  schedule: { every: "4s", retries: { attempts: 2, delay: "1s" } },
  async run({ counter }) {
    console.log("purged 3 expired sessions");
    counter.inc("purged", 3);
    return { purged: 3 };
  },
});
`;

let h: Harness;
let browser: TestChromium;
const jobs = pushJobs(() => h);

beforeAll(async () => {
  [h, browser] = await Promise.all([
    startHarness({ chores: true, env: { SCHEDULE_MIN_INTERVAL: "1s" } }),
    launchChromium({ viewport: { width: 960, height: 720 } }),
  ]);
  const merged = await h.mergeAndPush({ [PATH]: chore });
  await jobs.finished(h.queues.index, merged.after);
  const [name, value] = h.gh.signInAs("alice").split("=") as [string, string];
  await browser.context.addCookies([{ name, value, url: `http://${h.gh.host}` }]);
});

afterAll(async () => {
  await jobs.close();
  await browser?.close();
  await h?.close();
});

const schedulerId = () => schedulerIdOf({ owner: h.gh.owner, repo: h.gh.repo, chore: NAME });
const choreUrl = () => `${h.appUrl}/chores/${h.gh.owner}/${h.gh.repo}/${NAME}`;

/** Polls until the locator's text matches each of `parts` (the page is reloaded between tries: it does not follow the schedule live). */
async function expectText(page: Page, locator: () => Locator, ...parts: Array<string | RegExp>): Promise<void> {
  for (const part of parts) {
    await expect
      .poll(async () => {
        const text = (
          await locator()
            .innerText({ timeout: 2_000 })
            .catch(() => "")
        ).replace(/\s+/g, " ");
        if (!text.match(part)) await page.reload();
        return text;
      }, LIVE)
      .toMatch(typeof part === "string" ? new RegExp(part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) : part);
  }
}

function fact(page: Page, name: string): Locator {
  return page.locator("dl.facts dt", { hasText: new RegExp(`^${name}$`) }).locator("xpath=following-sibling::dd[1]");
}

async function metrics(): Promise<string> {
  return (await fetch(`${h.appUrl}/metrics`, { headers: METRICS_AUTH })).text();
}

describe("a scheduled chore's page in a browser", () => {
  it("shows the next occurrence, the runs on schedule, and pauses and resumes the schedule, saying who paused it", async () => {
    const page = await browser.context.newPage();
    await page.goto(choreUrl());
    await expectText(page, () => page.locator("#schedule-rule"), "every 4 s");
    await expectText(page, () => page.locator("#schedule-state"), "Runs on time");

    // The page's next occurrence is the BullMQ scheduler's (or one before it, the scheduler having moved on since).
    const shown = Date.parse((await page.locator("#schedule-next time").getAttribute("datetime"))!);
    const scheduler = await h.queues.schedule.getJobScheduler(schedulerId());
    expect(scheduler?.next).toBeDefined();
    expect((scheduler!.next! - shown) % EVERY_MS).toBe(0);
    expect(scheduler!.next! - shown).toBeGreaterThanOrEqual(0);

    // An occurrence runs, and the panel and the history say it ran on schedule.
    await expectText(page, () => page.locator("#schedule-runs"), "succeeded");
    await expectText(page, () => page.locator("#schedule-last-success"), /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    await expectText(page, () => page.locator("table.history"), "on schedule, try 1 of 2");
    expect(await page.locator("main").innerText()).not.toMatch(/@schedule|by schedule/);
    await page.mouse.move(0, 0);
    await page.screenshot({
      path: process.env.UPDATE_SCREENSHOTS === "1" ? join(DOCS, "chore-schedule.png") : join(browser.profile, "chore-schedule.png"),
      fullPage: true,
    });

    // Its run page, and /api/runs, name the occurrence and the try, not a person.
    await page.locator("#schedule-runs a").first().click();
    await page.waitForURL(/\/chores\/runs\//);
    const runId = decodeURIComponent(/\/chores\/runs\/([^/?#]+)$/.exec(page.url())![1]!);
    expect(runId.startsWith(`${schedulerId()}-`)).toBe(true);
    await expectText(page, () => fact(page, "Run by"), "on schedule, try 1 of 2");
    await expectText(page, () => fact(page, "Started from"), "the chore's schedule");
    const api = await fetch(`${h.appUrl}/api/runs/${runId}`, {
      headers: { authorization: `Basic ${Buffer.from(`${DASHBOARD.user}:${DASHBOARD.password}`).toString("base64")}` },
    });
    const view = (await api.json()) as Record<string, unknown>;
    expect(view).toMatchObject({ trigger: "schedule", requested_by: null, chore: NAME, schedule: { attempt: 1, attempts: 2 } });
    expect(Number(runId.slice(schedulerId().length + 1))).toBe(Date.parse((view.schedule as { occurrence_at: string }).occurrence_at));

    const scrape = await metrics();
    const labels = `{repository="${h.gh.owner}/${h.gh.repo}",chore="${NAME}"}`;
    expect(scrape).toMatch(new RegExp(`chorebot_schedule_last_success_timestamp_seconds${labels.replace(/[{}]/g, "\\$&")} [1-9]`));
    expect(scrape).toContain(`chorebot_schedule_next_occurrence_timestamp_seconds${labels}`);
    expect(scrape).toMatch(/chorebot_schedule_runs_total\{status="succeeded"\} [1-9]/);

    // Pause: back on the chore's page, which says who paused it; BullMQ has no scheduler for it any more.
    await page.goto(choreUrl());
    await page.getByRole("button", { name: "Pause", exact: true }).click();
    await page.waitForURL(choreUrl());
    await expectText(page, () => page.locator("#schedule-state"), /^Paused by alice since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    await expectText(page, () => page.locator("#schedule-next"), "none while paused");
    expect(await h.queues.schedule.getJobScheduler(schedulerId())).toBeFalsy();
    expect(await metrics()).not.toContain(`chorebot_schedule_next_occurrence_timestamp_seconds${labels}`);

    // Resume: on time again, with a next occurrence from BullMQ.
    await page.getByRole("button", { name: "Resume", exact: true }).click();
    await page.waitForURL(choreUrl());
    await expectText(page, () => page.locator("#schedule-state"), "Runs on time");
    expect(await page.locator("#schedule-next time").getAttribute("datetime")).toMatch(/^\d{4}-/);
    expect((await h.queues.schedule.getJobScheduler(schedulerId()))?.next).toBeGreaterThan(Date.now() - EVERY_MS);
    await page.close();
  }, 120_000);
});
