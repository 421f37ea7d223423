import { execFileSync, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runLocalChorebot as chorebot, type ChorebotRun } from "./chorebot-process.js";

// `chorebot preview` as an author runs it in a checkout: the real CLI, the real pages, a real run.
let repo: string;
let running: { child: ChildProcess; exited: Promise<ChorebotRun> } | null = null;
beforeEach(async () => {
  repo = await realpath(await mkdtemp(join(tmpdir(), "chorebot-preview-e2e-")));
  await mkdir(join(repo, "chores", "billing"), { recursive: true });
  execFileSync("git", ["init", "-q"], { cwd: repo });
});
afterEach(async () => {
  running?.child.kill("SIGKILL");
  await running?.exited;
  running = null;
  await rm(repo, { recursive: true, force: true });
});

const RESEND = [
  'import { readFile } from "node:fs/promises";',
  'import { defineScript, file, int, string } from "chorebot";',
  "",
  "export default defineScript({",
  '  description: "Re-send invoices",',
  "  inputs: {",
  '    month: string({ choices: ["previous", "current"], default: "previous" }),',
  "    limit: int({ min: 1, max: 10 }),",
  '    list: file({ description: "customer ids, one a line" }),',
  "  },",
  "  async run({ inputs, log, counter, progress }) {",
  '    const ids = (await readFile(inputs.list, "utf8")).split("\\n").filter(Boolean).slice(0, inputs.limit);',
  "    for (const [i, id] of ids.entries()) {",
  "      console.log(`sent ${inputs.month} invoices to <i>${id}</i>`);",
  '      counter.inc("sent");',
  "      progress({ done: i + 1, total: ids.length });",
  "    }",
  "    log(`done with ${ids.length}`);",
  "    return { sent: ids.length };",
  "  },",
  "});",
  "",
].join("\n");
const HANG = 'console.log("waiting");\nsetInterval(() => {}, 1000);\n';

/** Starts `chorebot preview` in the repository and resolves with the URL it prints. */
function startPreview(): Promise<string> {
  return new Promise((resolve, reject) => {
    const exited: Promise<ChorebotRun> = chorebot(["preview", "--port", "0"], {
      cwd: repo,
      onStdout: (text, child) => {
        running ??= { child, exited };
        const url = /(http:\/\/127\.0\.0\.1:\d+\/chores)\b/.exec(text)?.[1];
        if (url) resolve(url);
      },
    });
    void exited.then((run) => reject(new Error(`chorebot preview exited (${run.code}) before printing its URL:\n${run.stdout}${run.stderr}`)));
  });
}

const hiddenFields = (html: string) =>
  Object.fromEntries([...html.matchAll(/<input type="hidden" name="([a-z_]+)" value="([^"]*)"/g)].map(([, n, v]) => [n!, v!]));

function form(fields: Record<string, string>, files: Record<string, [name: string, text: string]> = {}): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.append(name, value);
  for (const [name, [filename, text]] of Object.entries(files)) data.append(name, new Blob([text]), filename);
  return data;
}

/** The run's page once the run is over (its status badge says a final word). */
async function finishedRun(url: string): Promise<string> {
  for (;;) {
    const html = await (await fetch(url)).text();
    if (/class="status status-(succeeded|failed|timed_out|cancelled|lost|refused)"/.test(html)) return html;
  }
}

describe("chorebot preview", () => {
  it("serves the working tree's chores; a bad value shows its error; a good form runs the chore to success, output and all", async () => {
    await writeFile(join(repo, "chores", "billing", "resend.ts"), RESEND);
    const url = await startPreview();
    const origin = new URL(url).origin;
    const name = basename(repo);

    const catalog = await fetch(url);
    expect(catalog.status).toBe(200);
    const catalogHtml = await catalog.text();
    expect(catalogHtml).toContain(`local/${name}`);
    expect(catalogHtml).toContain(`href="/chores/local/${name}/billing/resend"`);
    expect(catalogHtml).toContain("Re-send invoices");

    const chorePath = `${origin}/chores/local/${name}/billing/resend`;
    const page = await (await fetch(chorePath)).text();
    const hidden = hiddenFields(page);
    expect(Object.keys(hidden).sort()).toEqual(["csrf", "request_key", "version"]);
    expect(page).toContain('name="limit"');

    const bad = await fetch(chorePath, { method: "POST", body: form({ ...hidden, month: "previous", limit: "99" }, { list: ["ids.txt", "cus_1\n"] }) });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("must be an integer between 1 and 10");

    const ran = await fetch(chorePath, {
      method: "POST",
      body: form({ ...hidden, month: "current", limit: "2" }, { list: ["ids.txt", "cus_1\ncus_2\ncus_3\n"] }),
      redirect: "manual",
    });
    expect(ran.status).toBe(303);
    const runUrl = `${origin}${ran.headers.get("location")}`;
    expect(runUrl).toMatch(/\/chores\/runs\/[A-Za-z0-9._-]+$/);

    const html = await finishedRun(runUrl);
    expect(html).toContain('class="status status-succeeded"');
    expect(html).toContain("sent current invoices to &lt;i>cus_1&lt;/i>");
    expect(html).toContain("sent current invoices to &lt;i>cus_2&lt;/i>");
    expect(html).not.toContain("cus_3");
    expect(html).toContain("log: done with 2");
    expect(html).toMatch(/<th scope="row">sent<\/th>\s*<td>2<\/td>/);
    expect(html).toContain("ids.txt (");
    // The live stream of the pages works here too: a finished run's says so and ends.
    const events = await (await fetch(`${runUrl}/events`)).text();
    expect(events).toMatch(/event: state\nid: [^\n]+\ndata: \{[^\n]*"status":"succeeded","final":true/);
    expect(events).toMatch(/event: end\n/);
    // The chore's page lists the run.
    expect(await (await fetch(chorePath)).text()).toContain(ran.headers.get("location")!);

    // Its log, written as `chorebot run` writes it, linked from the page.
    const logUrl = /<a href="(http:\/\/127\.0\.0\.1:\d+\/preview\/logs\/[^"]+)">(\.chorebot\/runs\/chores\/billing\/resend\.ts-[^"<]+\.md)<\/a>/.exec(html);
    expect(logUrl).not.toBeNull();
    const log = await (await fetch(logUrl![1]!)).text();
    expect(log).toBe(await readFile(join(repo, logUrl![2]!), "utf8"));
    expect(log).toMatch(/status: succeeded/);

    running!.child.kill("SIGINT");
    const exit = await running!.exited;
    expect(exit.code).toBe(0);
    expect(exit.stderr).not.toMatch(/error/i);
  });

  it("cancels a run from its page, and a stop cancels what still runs", async () => {
    await writeFile(join(repo, "chores", "hang.ts"), HANG);
    const url = await startPreview();
    const origin = new URL(url).origin;
    const chorePath = `${origin}/chores/local/${basename(repo)}/hang`;
    const start = async () => {
      const hidden = hiddenFields(await (await fetch(chorePath)).text());
      const answer = await fetch(chorePath, { method: "POST", body: form(hidden), redirect: "manual" });
      expect(answer.status).toBe(303);
      return `${origin}${answer.headers.get("location")}`;
    };

    const first = await start();
    let html = await (await fetch(first)).text();
    while (!html.includes("waiting")) html = await (await fetch(first)).text();
    expect(html).toContain("Cancel this run");
    const cancel = await fetch(`${first}/cancel`, { method: "POST", body: form({ csrf: hiddenFields(html).csrf! }), redirect: "manual" });
    expect(cancel.status).toBe(303);
    const cancelled = await finishedRun(first);
    expect(cancelled).toContain('class="status status-cancelled"');
    expect(cancelled).toMatch(/cancelled by [A-Za-z0-9._@+-]+/);

    await start();
    running!.child.kill("SIGINT");
    const exit = await running!.exited;
    expect(exit.code).toBe(0);
    // Both runs' logs were written before it exited.
    const logs = await readdir(join(repo, ".chorebot", "runs", "chores"));
    expect(logs.filter((file) => file.startsWith("hang.ts-"))).toHaveLength(2);
    for (const file of logs) expect(await readFile(join(repo, ".chorebot", "runs", "chores", file), "utf8")).toMatch(/status: cancelled/);
  });

  it("refuses to listen anywhere but on loopback", async () => {
    for (const host of ["0.0.0.0", "192.168.1.20"]) {
      const run = await chorebot(["preview", "--host", host, "--port", "0"], { cwd: repo });
      expect(run.code, host).toBe(2);
      expect(run.stderr).toContain(`chorebot preview: refusing --host ${host}: the preview runs chores for anyone who reaches it, with no sign-in`);
      expect(run.stdout).toBe("");
    }
  });
});
