import { request as httpRequest } from "node:http";
import { mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runLocal } from "../../../src/bin/run-local.js";
import { loadRunnerConfig } from "../../../src/config.js";
import { startPreview, repositoryName, type Preview } from "../../../src/preview/preview-server.js";

let root: string;
let preview: Preview;
let base: string;
const errors: string[] = [];
beforeEach(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), "chorebot-preview-")));
  const config = loadRunnerConfig({ SCRIPT_CWD: root });
  preview = await startPreview({
    root,
    address: "127.0.0.1",
    port: 0,
    config,
    user: { login: "ada", id: 0 },
    execute: (o) => runLocal({ ...o, root, config }),
    error: (message) => errors.push(message),
  });
  base = new URL(preview.url).origin;
});
afterEach(async () => {
  await preview.stop();
  await rm(root, { recursive: true, force: true });
  expect(errors).toEqual([]);
});

const write = async (path: string, text: string) => {
  await mkdir(dirname(join(root, path)), { recursive: true });
  await writeFile(join(root, path), text);
};
const chore = (description: string) =>
  [
    'import { defineScript, int } from "chorebot";',
    "export default defineScript({",
    `  description: ${JSON.stringify(description)},`,
    "  inputs: { times: int({ min: 1, max: 3 }) },",
    '  async run({ inputs, log }) { for (let i = 0; i < inputs.times; i++) console.log("<b>hi</b>"); log("done"); return { times: inputs.times }; },',
    "});",
    "",
  ].join("\n");
const hiddenFields = (html: string) =>
  Object.fromEntries([...html.matchAll(/<input type="hidden" name="([a-z_]+)" value="([^"]*)"/g)].map(([, n, v]) => [n!, v!]));
const page = async (path: string) => {
  const response = await fetch(`${base}${path}`);
  return { status: response.status, html: await response.text() };
};
const post = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, { method: "POST", body: new URLSearchParams(fields), headers, redirect: "manual" });

/** A GET with the Host header given (fetch will not send another host's name to this address). */
function getWithHost(path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(`${base}${path}`);
    httpRequest({ host: url.hostname, port: url.port, path, headers: { host } }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    })
      .on("error", reject)
      .end();
  });
}

describe("startPreview", () => {
  it("prints its URL on the loopback address, names the repository after the folder", () => {
    expect(preview.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/chores$/);
    expect(repositoryName("/home/ada/my app!")).toBe("my-app-");
    expect(repositoryName("/")).toBe("repository");
  });

  it("runs a chore from its form and links its log, served as text", async () => {
    await write("chores/hello.ts", chore("Say hi"));
    const { status, html } = await page(`/chores/local/${repositoryName(root)}/hello`);
    expect(status).toBe(200);
    expect(html).toContain("Say hi");
    expect(html).toContain("Signed in as <strong>ada</strong>");
    const answer = await post(`/chores/local/${repositoryName(root)}/hello`, { ...hiddenFields(html), times: "2" });
    expect(answer.status).toBe(303);
    const runPath = answer.headers.get("location")!;
    let run = await page(runPath);
    // The run goes on in the preview's process: its page says so until it is over.
    while (!run.html.includes("status-succeeded") && !run.html.includes("status-failed")) run = await page(runPath);
    expect(run.html).toContain("status-succeeded");
    expect(run.html).toContain("&lt;b>hi&lt;/b>");
    expect(run.html).not.toContain("<b>hi</b>");
    const logUrl = /<a href="(http:\/\/127\.0\.0\.1:\d+\/preview\/logs\/[^"]+)">\.chorebot\/runs\/chores\/hello\.ts-/.exec(run.html)?.[1];
    expect(logUrl).toBeDefined();
    const log = await fetch(logUrl!);
    expect(log.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await log.text()).toMatch(/^---\n[\s\S]*status: succeeded/);
    expect((await page("/preview/logs/nope")).status).toBe(404);
  });

  it("shows an edit at the next page, and refuses a form of the version before it", async () => {
    await write("chores/hello.ts", chore("Say hi"));
    const before = await page(`/chores/local/${repositoryName(root)}/hello`);
    await write("chores/hello.ts", chore("Say hello"));
    expect((await page(`/chores/local/${repositoryName(root)}/hello`)).html).toContain("Say hello");
    const answer = await post(`/chores/local/${repositoryName(root)}/hello`, { ...hiddenFields(before.html), times: "2" });
    expect(answer.status).toBe(409);
    expect(await answer.text()).toContain("This chore changed since the page was opened");
  });

  it("shows a bad value's error next to its field, and runs nothing", async () => {
    await write("chores/hello.ts", chore("Say hi"));
    const { html } = await page(`/chores/local/${repositoryName(root)}/hello`);
    const answer = await post(`/chores/local/${repositoryName(root)}/hello`, { ...hiddenFields(html), times: "9" });
    expect(answer.status).toBe(422);
    expect(await answer.text()).toMatch(/must be an integer between 1 and 3/);
    expect((await page(`/chores/local/${repositoryName(root)}/hello`)).html).toContain("No runs yet");
  });

  it("refuses a form without this process's CSRF token, and one another site posts", async () => {
    await write("chores/hello.ts", chore("Say hi"));
    const { html } = await page(`/chores/local/${repositoryName(root)}/hello`);
    const fields = { ...hiddenFields(html), times: "1" };
    expect((await post(`/chores/local/${repositoryName(root)}/hello`, { ...fields, csrf: "forged" })).status).toBe(403);
    expect((await post(`/chores/local/${repositoryName(root)}/hello`, fields, { origin: "http://evil.example" })).status).toBe(403);
    expect((await page(`/chores/local/${repositoryName(root)}/hello`)).html).toContain("No runs yet");
  });

  it("refuses a request naming another host (DNS rebinding), and answers its own names", async () => {
    const port = new URL(base).port;
    expect(await getWithHost("/chores", `evil.example:${port}`)).toMatchObject({ status: 421 });
    expect(await getWithHost("/chores", `127.0.0.1:${Number(port) + 1}`)).toMatchObject({ status: 421 });
    expect((await getWithHost("/chores", `localhost:${port}`)).status).toBe(200);
  });

  it("sends / to the catalog, and says there is no sign-in to leave", async () => {
    const root = await fetch(`${base}/`, { redirect: "manual" });
    expect(root.status).toBe(303);
    expect(root.headers.get("location")).toBe("/chores");
    const logout = await post("/logout", {});
    expect(logout.status).toBe(200);
    expect(await logout.text()).toContain("The preview has no sign-in");
  });
});
