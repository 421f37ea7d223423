import type { ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Job, QueueEvents } from "bullmq";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discoverJobId } from "../../src/pipeline/run-id.js";
import { parseRunLog } from "../../src/runlog/parse-run-log.js";
import { launchChromium, type TestChromium } from "../helpers/chromium.js";
import { runLocalChorebot } from "./chorebot-process.js";
import { startHarness, type Harness } from "./harness.js";

/**
 * The chores pages in a real browser (Debian's chromium, driven by playwright-core), against
 * the real app and the GitHub stand-in: signing in through the stand-in's OAuth pages, the
 * catalog, a chore's form and its errors, a run watched while it runs, a cancelled run, the
 * history and the committed log, and the keyboard alone. The form's and the running run's
 * screenshots are the README's: written to docs/ when UPDATE_SCREENSHOTS=1, else to the
 * browser's profile folder.
 *
 * playwright-core has no `expect`: assertions on the page poll a locator with vitest's
 * `expect.poll`, so they hold whether the run page updates itself live or reloads.
 */

const PATH = "chores/reindex-search.ts";
const NAME = "reindex-search";
const DOCS = join(import.meta.dirname, "..", "..", "docs");
const LIVE = { timeout: 20_000 };
/** Wide enough for the form and the output, narrow enough that the pictures are not mostly margin. */
const SHOT_VIEWPORT = { width: 960, height: 720 };

// Each shard waits for the test's go-ahead (the beacon answering "go" to `<index>-<shard>`),
// so the test decides when the run moves on: no sleeps, and a page caught between two steps.
const chore = `import { bool, defineScript, int, string } from "chorebot";

export default defineScript({
  description: "Rebuilds a search index, one shard at a time",
  env: ["BEACON"],
  inputs: {
    index: string({ pattern: /^[a-z][a-z0-9-]*$/, description: "The search index to rebuild" }),
    shards: int({ min: 1, max: 12, default: 3, description: "How many shards it has" }),
    ticket: string({ pattern: /^[a-z]+-[0-9]+$/i, description: "The ticket that asked for it, e.g. OPS-123" }),
    dry_run: bool({ default: false, description: "Read the documents, write nothing" }),
  },
  async run({ inputs, log, counter, progress }) {
    progress({ done: 0, total: inputs.shards });
    for (let shard = 1; shard <= inputs.shards; shard++) {
      while ((await (await fetch(process.env.BEACON + "/" + inputs.index + "-" + shard)).text()) !== "go") {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      console.log("shard " + shard + " of " + inputs.shards + ": 1200 documents read from the primary");
      counter.inc("documents", 1200);
      progress({ done: shard, total: inputs.shards });
      log("shard " + shard + " of " + inputs.index + " reindexed");
    }
    return { index: inputs.index, shards: inputs.shards, dry_run: inputs.dry_run };
  },
});
`;

let h: Harness;
let browser: TestChromium;
let mergedAt: string;

/** Resolves when the index job of the push that made `after` finished: the catalog has the push's chores. */
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
  [h, browser] = await Promise.all([startHarness({ chores: true, env: { WORKER_CONCURRENCY: "2" } }), launchChromium({ viewport: SHOT_VIEWPORT })]);
  const merged = await h.mergeAndPush({ [PATH]: chore });
  mergedAt = merged.after;
  await indexed(merged.after);
  // Who is signed in to GitHub in this browser: the stand-in's session cookie, for its host.
  const [name, value] = h.gh.signInAs("alice").split("=") as [string, string];
  await browser.context.addCookies([{ name, value, url: `http://${h.gh.host}` }]);
});

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

/** Runs `test`, then lets the runs for `index` finish: one a failed test left waiting must not hold the chore (one run at a time) for the next tests. */
async function releasing(index: string, test: () => Promise<void>): Promise<void> {
  try {
    await test();
  } finally {
    for (const shard of [1, 2, 3]) h.beacon.answer(`${index}-${shard}`, "go");
  }
}

const choreUrl = () => `${h.appUrl}/chores/${h.gh.owner}/${h.gh.repo}/${NAME}`;

async function newPage(): Promise<Page> {
  return browser.context.newPage();
}

/** Where a screenshot goes: docs/ when UPDATE_SCREENSHOTS=1, else the throwaway profile. */
function shotPath(file: string): string {
  return process.env.UPDATE_SCREENSHOTS === "1" ? join(DOCS, file) : join(browser.profile, file);
}

/** Polls until the locator's text contains every one of `parts` (it may be replaced meanwhile: a reload, a live update). */
async function expectText(locator: Locator, ...parts: Array<string | RegExp>): Promise<void> {
  for (const part of parts) {
    await expect
      .poll(async () => (await locator.innerText({ timeout: 2_000 }).catch(() => "")).replace(/\s+/g, " "), LIVE)
      .toMatch(typeof part === "string" ? new RegExp(part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) : part);
  }
}

/** A fact of a run page (`<dt>Status</dt><dd>…</dd>`): the value next to its name. */
function fact(page: Page, name: string): Locator {
  return page.locator("dl.facts dt", { hasText: new RegExp(`^${name}$`) }).locator("xpath=following-sibling::dd[1]");
}

/** The run's id, from its page's URL. */
function runIdOf(page: Page): string {
  const match = /\/chores\/runs\/([^/?#]+)$/.exec(page.url());
  if (!match) throw new Error(`not a run page: ${page.url()}`);
  return decodeURIComponent(match[1]!);
}

/** Fills the chore's form's text fields and presses Run; resolves on the run's page. */
async function runFromForm(page: Page, values: { index: string; ticket: string }, url = choreUrl()): Promise<string> {
  await page.goto(url);
  await page.getByRole("textbox", { name: /^index/ }).fill(values.index);
  await page.getByRole("textbox", { name: /^ticket/ }).fill(values.ticket);
  await page.getByRole("button", { name: "Run", exact: true }).click();
  await page.waitForURL(/\/chores\/runs\//);
  return runIdOf(page);
}

describe("the chores pages in a browser", () => {
  it("sends a visitor through GitHub's sign-in pages and back to the catalog", async () => {
    const page = await newPage();
    const visited: string[] = [];
    page.on("request", (request) => {
      if (request.isNavigationRequest()) visited.push(request.url());
    });
    await page.goto(`${h.appUrl}/chores`);
    expect(visited.some((url) => url.startsWith(`http://${h.gh.host}/login/oauth/authorize?`))).toBe(true);
    expect(page.url()).toBe(`${h.appUrl}/chores`);
    await expectText(page.locator("header"), "Signed in as alice");
    const link = page.getByRole("link", { name: NAME });
    await expectText(page.locator("main"), `${h.gh.owner}/${h.gh.repo}`, "Rebuilds a search index, one shard at a time", "No runs yet");
    await link.click();
    await page.waitForURL(choreUrl());
    await expectText(page.getByRole("heading", { level: 1 }), NAME);
    await page.close();
  }, 120_000);

  it("shows a chore's form, keeps a value the browser refuses from being sent, and says next to the field what the server refused", async () => {
    const page = await newPage();
    await page.goto(choreUrl());
    const index = page.getByRole("textbox", { name: /^index/ });
    const ticket = page.getByRole("textbox", { name: /^ticket/ });
    await expect.poll(() => page.getByRole("spinbutton", { name: /^shards/ }).inputValue()).toBe("3");
    await index.fill("products");
    await ticket.fill("OPS-1234");
    await page.mouse.move(0, 0);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.screenshot({ path: shotPath("chore-form.png"), fullPage: true });

    const posts: string[] = [];
    page.on("request", (request) => {
      if (request.method() === "POST") posts.push(request.url());
    });
    const jobs = await h.jobCount();
    // What the browser can check, it checks: nothing is sent.
    const shards = page.getByRole("spinbutton", { name: /^shards/ });
    await shards.fill("20");
    await page.getByRole("button", { name: "Run", exact: true }).click();
    expect(await shards.evaluate((element) => (element as HTMLInputElement).validity.rangeOverflow)).toBe(true);
    expect(posts).toEqual([]);
    await shards.fill("3");

    // A case-insensitive pattern is the server's alone to check: it answers with the form again.
    await ticket.fill("not a ticket");
    await Promise.all([
      page.waitForResponse((response) => response.request().method() === "POST"),
      page.getByRole("button", { name: "Run", exact: true }).click(),
    ]);
    await page.waitForLoadState();
    const bad = page.getByRole("textbox", { name: /^ticket/ });
    expect(await bad.getAttribute("aria-invalid")).toBe("true");
    expect(await bad.inputValue()).toBe("not a ticket");
    expect(await page.getByRole("textbox", { name: /^index/ }).inputValue()).toBe("products");
    // The error is part of the field's description, and sits right under it.
    const said = 'must match /^[a-z]+-[0-9]+$/i, got "not a ticket"';
    const describedBy = ((await bad.getAttribute("aria-describedby")) ?? "").split(" ").filter(Boolean);
    const descriptions = await Promise.all(describedBy.map(async (id) => ({ id, text: await page.locator(`[id="${id}"]`).innerText() })));
    const error = descriptions.find(({ text }) => text.includes(said));
    expect(error, JSON.stringify(descriptions)).toBeDefined();
    const [fieldBox, errorBox] = await Promise.all([bad.boundingBox(), page.locator(`[id="${error!.id}"]`).boundingBox()]);
    expect(errorBox!.y).toBeGreaterThan(fieldBox!.y + fieldBox!.height - 1);
    expect(errorBox!.y - (fieldBox!.y + fieldBox!.height)).toBeLessThan(80);
    expect(errorBox!.x < fieldBox!.x + fieldBox!.width && errorBox!.x + errorBox!.width > fieldBox!.x).toBe(true);
    await expectText(page.getByRole("alert"), "Nothing was run", "ticket");
    expect(await h.jobCount()).toBe(jobs);
    await page.close();
  }, 120_000);

  it("runs a chore and shows its output, progress and counters as they change, then its result and committed log", async () => {
    await releasing("products", async () => {
      const page = await newPage();
      const runId = await runFromForm(page, { index: "products", ticket: "OPS-1234" });
      await h.beacon.next("products-1");
      const heading = page.getByRole("heading", { level: 1 });
      await expectText(heading, "running");
      await expectText(fact(page, "Run by"), "alice");
      await expectText(fact(page, "Progress"), "0 of 3 (0%)");

      h.beacon.answer("products-1", "go");
      await expectText(page.locator("main"), "shard 1 of 3: 1200 documents read from the primary", "shard 1 of products reindexed");
      await expectText(fact(page, "Progress"), "1 of 3 (33%)");
      await expect.poll(() => fact(page, "Progress").getByRole("progressbar").getAttribute("value"), LIVE).toBe("1");
      await expectText(page.getByRole("row", { name: /documents/ }), "1200");

      h.beacon.answer("products-2", "go");
      await expectText(page.locator("main"), "shard 2 of 3: 1200 documents read from the primary", "shard 2 of products reindexed");
      await expectText(fact(page, "Progress"), "2 of 3 (67%)");
      await expectText(page.getByRole("row", { name: /documents/ }), "2400");
      await expectText(heading, "running");
      // The README's picture of a running run: two shards of three done, the third awaited.
      await page.mouse.move(0, 0);
      await page.screenshot({ path: shotPath("chore-run.png"), fullPage: true });

      h.beacon.answer("products-3", "go");
      const result = await h.waitForRun(runId);
      expect(result.status).toBe("succeeded");
      await expectText(heading, "succeeded");
      await expectText(fact(page, "Progress"), "3 of 3 (100%)");
      await expectText(page.getByRole("row", { name: /documents/ }), "3600");
      await expectText(page.locator("pre.result"), '"index": "products"', '"shards": 3');
      // The recorded output replaces the live tail: every line still there.
      await expectText(
        page.locator("main"),
        "shard 3 of 3: 1200 documents read from the primary",
        "shard 1 of products reindexed",
        "shard 3 of products reindexed",
      );
      await expectText(fact(page, "Log"), result.logPath);
      await page.close();
    });
  }, 120_000);

  it("cancels a run from its page, which ends cancelled and says who cancelled it", async () => {
    await releasing("orders", async () => {
      const page = await newPage();
      const runId = await runFromForm(page, { index: "orders", ticket: "OPS-99" });
      await h.beacon.next("orders-1");
      await expectText(page.getByRole("heading", { level: 1 }), "running");
      await page.getByRole("button", { name: /cancel/i }).click();
      await page.waitForURL(new RegExp(`/chores/runs/${runId}$`));
      const result = await h.waitForRun(runId);
      expect(result.status).toBe("cancelled");
      await expectText(page.getByRole("heading", { level: 1 }), "cancelled");
      await expectText(page.locator("main"), "cancelled by alice");
      expect(await page.getByRole("button", { name: /cancel/i }).count()).toBe(0);
      const { frontMatter } = parseRunLog((await h.gh.readFile(h.gh.defaultBranch, result.logPath))!);
      expect(frontMatter).toMatchObject({ status: "cancelled", message: "cancelled by alice", requested_by: "alice", chore: NAME });
      await page.close();
    });
  }, 120_000);

  it("lists the runs in the chore's history, each leading to its page and its log committed on the default branch", async () => {
    const page = await newPage();
    await page.goto(choreUrl());
    const history = page.locator("table", { has: page.getByRole("columnheader", { name: "Run by" }) });
    const rows = history.locator("tbody tr");
    await expect.poll(() => rows.count()).toBe(2);
    // Newest first: the cancelled run, then the one that succeeded.
    await expectText(rows.nth(0), "cancelled", "alice");
    await expectText(rows.nth(1), "succeeded", "alice");
    await rows.nth(1).getByRole("link").last().click();
    await page.waitForURL(/\/chores\/runs\//);
    const runId = runIdOf(page);
    await expectText(page.getByRole("heading", { level: 1 }), "succeeded");

    const logLink = fact(page, "Log").getByRole("link");
    const logPath = await logLink.innerText();
    const today = new Date().toISOString().slice(0, 10).split("-");
    expect(logPath).toBe(`logs/chores/${NAME}/${today[0]}/${today[1]}/${today[2]}-${runId}.md`);
    expect(await logLink.getAttribute("href")).toContain(`http://${h.gh.host}/${h.gh.owner}/${h.gh.repo}/`);
    const text = await h.gh.readFile(h.gh.defaultBranch, logPath);
    const { frontMatter, body } = parseRunLog(text!);
    expect(frontMatter).toMatchObject({
      status: "succeeded",
      script: PATH,
      commit: mergedAt,
      trigger: "ui",
      requested_by: "alice",
      chore: NAME,
      // The inputs as the form gave them; the script got them coerced (its result).
      inputs: { index: "products", shards: 3, ticket: "OPS-1234", dry_run: false },
      counters: { documents: 3600 },
      result: { index: "products", shards: 3, dry_run: false },
    });
    expect(body).toContain("shard 3 of 3: 1200 documents read from the primary");
    await page.close();
  }, 120_000);

  it("is run with the keyboard alone: Tab from the top of the chore's page reaches Run, and Enter runs it", async () => {
    for (const shard of [1, 2, 3]) h.beacon.answer(`keyboard-${shard}`, "go");
    const page = await newPage();
    await page.goto(choreUrl());
    const typed: Record<string, string> = { index: "keyboard", ticket: "OPS-7" };
    let onRun = false;
    for (let presses = 0; presses < 40 && !onRun; presses++) {
      await page.keyboard.press("Tab");
      const focused = await page.evaluate(() => {
        const element = document.activeElement as HTMLElement | null;
        return { name: element?.getAttribute("name") ?? null, tag: element?.tagName ?? "", text: element?.innerText ?? "" };
      });
      if (focused.name !== null && Object.hasOwn(typed, focused.name)) await page.keyboard.type(typed[focused.name]!);
      onRun = focused.tag === "BUTTON" && focused.text.trim() === "Run";
    }
    expect(onRun).toBe(true);
    // Whoever moves with the keyboard sees where they are.
    const ring = await page.evaluate(() => {
      const style = getComputedStyle(document.activeElement!);
      return style.outlineStyle !== "none" || style.boxShadow !== "none";
    });
    expect(ring).toBe(true);
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/chores\/runs\//);
    const result = await h.waitForRun(runIdOf(page));
    expect(result.status).toBe("succeeded");
    await expectText(page.getByRole("heading", { level: 1 }), "succeeded");
    const { frontMatter } = parseRunLog((await h.gh.readFile(h.gh.defaultBranch, result.logPath))!);
    expect(frontMatter).toMatchObject({ requested_by: "alice", inputs: { index: "keyboard", ticket: "OPS-7", shards: 3 } });
    await page.close();
  }, 120_000);

  it("runs a chore of the working tree in `chorebot preview`, with no GitHub and no sign-in", async () => {
    const repo = await realpath(await mkdtemp(join(tmpdir(), "chorebot-preview-")));
    await mkdir(join(repo, "chores"));
    await writeFile(join(repo, PATH), chore);
    // Runs until killed: its URL is in the first line it prints.
    let preview: ChildProcess | undefined;
    let announced: (url: string) => void = () => {};
    const listening = new Promise<string>((resolve) => (announced = resolve));
    const exited = runLocalChorebot(["preview", "--port", "0"], {
      cwd: repo,
      env: { SCRIPT_ENV: "BEACON", BEACON: h.beacon.url },
      onStdout: (text, child) => {
        preview = child;
        const url = /at (http:\/\/127\.0\.0\.1:\d+\/chores)\b/.exec(text)?.[1];
        if (url) announced(url);
      },
    });
    try {
      const url = await Promise.race([listening, exited.then((run) => Promise.reject(new Error(`chorebot preview exited: ${run.stderr}`)))]);
      const page = await newPage();
      await page.goto(url);
      await page.getByRole("link", { name: NAME }).click();
      await expectText(page.getByRole("heading", { level: 1 }), NAME);
      await runFromForm(page, { index: "preview", ticket: "OPS-2" }, page.url());
      await h.beacon.next("preview-1");
      await expectText(page.getByRole("heading", { level: 1 }), "running");
      h.beacon.answer("preview-1", "go");
      await expectText(page.locator("main"), "shard 1 of 3: 1200 documents read from the primary");
      await expectText(fact(page, "Progress"), "33");
      h.beacon.answer("preview-2", "go");
      h.beacon.answer("preview-3", "go");
      await expectText(page.getByRole("heading", { level: 1 }), "succeeded");
      await expectText(page.getByRole("row", { name: /documents/ }), "3600");
      // Its log, as `chorebot run` writes it, is served from its page.
      await fact(page, "Log").getByRole("link").click();
      await expectText(page.locator("body"), `script: ${PATH}`, "status: succeeded", "shard 3 of preview reindexed");
      await page.close();
    } finally {
      preview?.kill("SIGTERM");
      expect((await exited).code).toBe(0);
      await rm(repo, { recursive: true, force: true });
    }
  }, 120_000);
});
