import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRunLog } from "../../src/runlog/parse-run-log.js";
import { DASHBOARD, startHarness, WEBHOOK_SECRET, type Harness } from "./harness.js";
import { beaconScript, recordingScript } from "./scripts.js";

let h: Harness;
beforeAll(async () => {
  // Marker sweep: a script reads its parent's environment here, which a PID namespace hides.
  h = await startHarness({ env: { SCRIPT_CONTAINMENT: "marker-sweep" } });
});
afterAll(async () => {
  await h?.close();
});

const TOKEN = "prod-token-value-123";
// CHOREBOT_CHANNEL: the path of the run's own report socket (see src/sdk/protocol.ts).
const ALLOWED_ENV = [
  "PATH",
  "HOME",
  "LANG",
  "LC_ALL",
  "TZ",
  "TMPDIR",
  "NODE_ENV",
  "CHOREBOT_CHANNEL",
  "CHOREBOT_RUN",
  "SIDE_EFFECTS",
  "PROD_API_TOKEN",
  "BEACON",
];
const APP_ONLY_ENV = ["PRIVATE_KEY", "WEBHOOK_SECRET", "DASHBOARD_PASSWORD", "REDIS_URL", "APP_ID", "DASHBOARD_USER", "GHE_HOST"];
const dashboardAuth = { authorization: `Basic ${Buffer.from(`${DASHBOARD.user}:${DASHBOARD.password}`).toString("base64")}` };

/** The committed log of a run, raw and parsed. */
async function committed(logPath: string) {
  const text = await h.gh.readFile("main", logPath);
  expect(text, `${logPath} is committed on main`).toBeDefined();
  return { text: text!, ...parseRunLog(text!) };
}

/** The fenced text of the log's Output section. */
function outputSection(body: string): string {
  const start = body.indexOf("## Output\n");
  const end = body.indexOf("## Executed JavaScript\n");
  expect(start, "the log has an Output section").toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(start);
  return body.slice(start, end);
}

/** What the script printed on `stream`, the log's line prefixes removed and its lines joined without separators. */
function printed(output: string, stream: "stdout" | "stderr"): string {
  const pattern = new RegExp(`^\\s*\\+\\d+\\.\\d{3}s ${stream} \\| (.*)$`, "gm");
  return [...output.matchAll(pattern)].map((match) => match[1]).join("");
}

/** The PEM's base64 lines (long enough to be telling: the redactor also skips shorter ones). */
function privateKeyLines(): string[] {
  const lines = h.privateKey.split(/\r?\n/).filter((line) => line.length >= 8 && !line.startsWith("-----"));
  expect(lines.length).toBeGreaterThan(20);
  return lines;
}

/** Every value of the app's own that must never show up anywhere a person or GitHub can read. */
function appSecrets(): string[] {
  return [WEBHOOK_SECRET, DASHBOARD.password, ...privateKeyLines()];
}

function expectNoSecrets(text: string, where: string) {
  for (const secret of [TOKEN, ...appSecrets()]) expect(text.includes(secret), `${where} contains ${secret}`).toBe(false);
}

function peakRssKiB(pid: number): Promise<number> {
  return readFile(`/proc/${pid}/status`, "utf8").then((status) => {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
    expect(match, "VmHWM in /proc/<pid>/status").not.toBeNull();
    return Number(match![1]);
  });
}

describe("a script's environment", () => {
  it("holds only the basics and SCRIPT_ENV, never the app's secrets; values read from the parent are redacted", async () => {
    const name = "prints-env";
    const path = `scripts/${name}.ts`;
    const merged = await h.mergeAndPush({
      [path]: recordingScript(
        name,
        `import { readFileSync } from "node:fs";
console.log("ENV " + JSON.stringify(process.env));
// The parent (the app) is the same user: its environment is readable, so only redaction stands between it and the log.
console.log("PARENT-ENV " + readFileSync("/proc/" + process.ppid + "/environ", "utf8"));`,
      ),
    });
    const result = await h.waitForRun(merged.runIds[path]!);
    expect(result.status).toBe("succeeded");
    expect(await h.timesRan(name)).toBe(1);

    const log = await committed(result.logPath);
    expect(log.frontMatter).toMatchObject({ status: "succeeded", exit_code: 0 });
    const output = outputSection(log.body);
    const envLine = /^\s*\+\d+\.\d{3}s stdout \| ENV (\{.*\})$/m.exec(output);
    expect(envLine, "the printed environment is in the Output section").not.toBeNull();
    const env = JSON.parse(envLine![1]!) as Record<string, string>;

    for (const name of APP_ONLY_ENV) expect(env, `the script's environment has ${name}`).not.toHaveProperty(name);
    expect(Object.keys(env).filter((key) => !ALLOWED_ENV.includes(key))).toEqual([]);
    // The SCRIPT_ENV values did reach the script, and are redacted in what it printed.
    expect(env).toMatchObject({ PROD_API_TOKEN: "[REDACTED]", SIDE_EFFECTS: "[REDACTED]", BEACON: "[REDACTED]" });
    expect(env.PATH).toBe(h.env.PATH ?? process.env.PATH);

    // The parent's environment was printed (it names the app's variables) but not its secret values.
    expect(output).toContain("PRIVATE_KEY=[REDACTED]");
    expect(output).toContain("WEBHOOK_SECRET=[REDACTED]");
    expect(output).toContain("DASHBOARD_PASSWORD=[REDACTED]");
    expect(log.text).not.toContain(WEBHOOK_SECRET);
    expect(log.text).not.toContain(DASHBOARD.password);
    for (const line of privateKeyLines()) expect(log.text.includes(line), `the log contains the key line ${line}`).toBe(false);
    expect(log.text).not.toContain(TOKEN);
  });
});

describe("an allowlisted value the script prints", () => {
  let runId: string;

  it("is redacted whole, split across writes, on stderr, in a thrown error and across the long-line cut", async () => {
    const name = "prints-token";
    const path = `scripts/${name}.ts`;
    const pause = `await new Promise((resolve) => setTimeout(resolve, 50));`;
    const merged = await h.mergeAndPush({
      [path]: recordingScript(
        name,
        `const token = process.env.PROD_API_TOKEN!;
console.log("whole: " + token);
process.stdout.write("split: " + token.slice(0, 10));
${pause}
process.stdout.write(token.slice(10) + " :split-end\\n");
console.error("on stderr: " + token);
// A line longer than the capture's 16 KiB line cut, with the value straddling the cut and
// arriving in two writes: the capture must not cut (or flush) before it is whole.
process.stdout.write("long: " + "x".repeat(16 * 1024 - 12) + token.slice(0, 9));
${pause}
process.stdout.write(token.slice(9) + "y".repeat(40 * 1024));
${pause}
process.stdout.write(" :long-end\\n");
throw new Error("gave up with " + token);`,
      ),
    });
    runId = merged.runIds[path]!;
    const result = await h.waitForRun(runId);
    expect(result.status).toBe("failed");
    expect(await h.timesRan(name)).toBe(1);

    const log = await committed(result.logPath);
    expect(log.frontMatter).toMatchObject({ status: "failed", exit_code: 1 });
    const output = outputSection(log.body);
    expect(output).toMatch(/stdout \| whole: \[REDACTED\]$/m);
    expect(output).toMatch(/stdout \| split: \[REDACTED\] :split-end$/m);
    expect(output).toMatch(/stderr \| on stderr: \[REDACTED\]$/m);
    expect(output).toMatch(/stderr \| Error: gave up with \[REDACTED\]$/m);
    // The line was cut in pieces (the cut may fall inside the replacement); joined, it reads whole.
    expect(printed(output, "stdout")).toContain("x".repeat(100) + "[REDACTED]" + "y".repeat(100));
    expect(output).toMatch(/stdout \| y* :long-end$/m);

    expect(log.text).not.toContain(TOKEN);
    // No part of the value long enough to be telling, whichever side of a cut it fell on.
    for (let k = 9; k < TOKEN.length; k++) {
      expect(log.text.includes(TOKEN.slice(0, k)), `the log contains the prefix ${TOKEN.slice(0, k)}`).toBe(false);
      expect(log.text.includes(TOKEN.slice(-k)), `the log contains the suffix ${TOKEN.slice(-k)}`).toBe(false);
    }
  });

  it("is nowhere in the dashboard's jobs or job logs, and neither are the app's secrets", async () => {
    expect(runId, "the previous test ran").toBeDefined();
    for (const queue of ["process", "execute", "cleanup"]) {
      const url = `${h.appUrl}/admin/queues/api/queues?activeQueue=${queue}&status=completed&page=1&jobsPerPage=50`;
      const response = await fetch(url, { headers: dashboardAuth });
      expect(response.status).toBe(200);
      const raw = await response.text();
      expectNoSecrets(raw, `the ${queue} queue's listing`);
      const listing = JSON.parse(raw) as { queues: { name: string; jobs: { id: string; returnValue: unknown }[] }[] };
      const jobs = listing.queues.find((q) => q.name === queue)!.jobs;
      // The run is in the listing, so what was checked includes it.
      const job = jobs.find((j) => j.id === runId);
      expect(job, `${runId} is listed in ${queue}`).toBeDefined();
      // The output lives in the run's outcome only; the job returns a summary.
      if (queue === "execute") {
        expect(job!.returnValue).toMatchObject({ attempt: 1, status: expect.any(String), durationMs: expect.any(Number) });
        expect(JSON.stringify(job!.returnValue)).not.toContain("split");
      }

      const detail = await fetch(`${h.appUrl}/admin/queues/api/queues/${queue}/${encodeURIComponent(runId)}`, { headers: dashboardAuth });
      expect(detail.status).toBe(200);
      expectNoSecrets(await detail.text(), `the ${queue} job's page`);

      const logsResponse = await fetch(`${h.appUrl}/admin/queues/api/queues/${queue}/${encodeURIComponent(runId)}/logs`, {
        headers: dashboardAuth,
      });
      expect(logsResponse.status).toBe(200);
      const logsRaw = await logsResponse.text();
      const logs = JSON.parse(logsRaw) as string[];
      expect(logs.length, `${queue} wrote job logs`).toBeGreaterThan(0);
      expectNoSecrets(logsRaw, `the ${queue} job's logs`);
    }
  });
});

describe("a secret written into a script's source", () => {
  it("is redacted from the dashboard and the log, while the script runs with the real value", async () => {
    const path = "scripts/literal-secret.ts";
    const merged = await h.mergeAndPush({
      [path]: recordingScript(
        "literal-secret",
        `const literal = "${TOKEN}";\nconsole.log("length " + literal.length + ", matches " + (literal === process.env.PROD_API_TOKEN));`,
      ),
    });
    const id = merged.runIds[path]!;
    const result = await h.waitForRun(id);
    expect(result.status).toBe("succeeded");
    const log = await committed(result.logPath);
    expect(log.text).toContain(`length ${TOKEN.length}, matches true`);
    expect(log.text).not.toContain(TOKEN);
    // The bundle is kept for execute alone: no job shows it, redacted or not.
    expect(log.text).toMatch(/literal = "\[REDACTED\]"/);
    for (const queue of ["process", "execute"]) {
      const detail = await fetch(`${h.appUrl}/admin/queues/api/queues/${queue}/${encodeURIComponent(id)}`, { headers: dashboardAuth });
      const raw = await detail.text();
      expect(raw, `the ${queue} job shows no bundle`).not.toContain("const literal");
      expect(raw).not.toContain(TOKEN);
    }
  });
});

describe("a script that floods its output", () => {
  it("is captured in bounded memory into a log of at most 1 MiB, while the app keeps answering", { timeout: 60_000 }, async () => {
    const name = "flood";
    const path = `scripts/${name}.ts`;
    const chunks = 3200; // × 64 KiB = 200 MiB
    const merged = await h.mergeAndPush({
      [path]: beaconScript(
        name,
        `const chunk = Buffer.from(("x".repeat(1023) + "\\n").repeat(64));
const write = (data: string | Buffer) =>
  process.stdout.write(data) ? Promise.resolve() : new Promise<void>((resolve) => process.stdout.once("drain", () => resolve()));
await write("FLOOD-FIRST-LINE\\n");
for (let i = 0; i < ${chunks}; i++) await write(chunk);
await fetch(process.env.BEACON + "/flood-end");
await write("FLOOD-LAST-LINE\\n");`,
      ),
    });
    const runId = merged.runIds[path]!;
    const pid = h.app.child.pid!;
    const peakBefore = await peakRssKiB(pid);
    const run = h.waitForRun(runId);

    await h.beacon.next(name);
    const started = performance.now();
    let floodEnded = false;
    const ended = h.beacon.next("flood-end").then(() => (floodEnded = true));
    const pings: { status: number; ms: number }[] = [];
    while (!floodEnded) {
      const t = performance.now();
      const response = await fetch(`${h.appUrl}/ping`, { signal: AbortSignal.timeout(5_000) });
      await response.text();
      pings.push({ status: response.status, ms: performance.now() - t });
      // Pacing between pings, not a wait for an event: the loop ends at the script's beacon.
      await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 100))]);
    }
    const floodMs = performance.now() - started;
    const result = await run;
    const peakAfter = await peakRssKiB(pid);
    const growthMiB = (peakAfter - peakBefore) / 1024;
    const worstPing = Math.max(...pings.map((p) => p.ms));
    console.log(
      `flood: ${chunks * 64} KiB in ${Math.round(floodMs)} ms; ${pings.length} pings during it, worst ${Math.round(worstPing)} ms; ` +
        `app peak RSS ${Math.round(peakBefore / 1024)} → ${Math.round(peakAfter / 1024)} MiB (+${growthMiB.toFixed(1)} MiB)`,
    );

    expect(pings.length).toBeGreaterThanOrEqual(3);
    expect(pings.every((p) => p.status === 200)).toBe(true);
    expect(worstPing).toBeLessThan(2_000);
    expect(result.status).toBe("succeeded");
    expect(await h.timesRan(name)).toBe(1);

    const log = await committed(result.logPath);
    expect(Buffer.byteLength(log.text)).toBeLessThanOrEqual(1024 * 1024);
    expect(log.frontMatter).toMatchObject({ status: "succeeded", exit_code: 0 });
    expect(log.frontMatter.output_omitted_bytes).toBeGreaterThan(150_000_000);
    const output = outputSection(log.body);
    expect(output).toMatch(/stdout \| FLOOD-FIRST-LINE$/m);
    expect(output).toMatch(/stdout \| FLOOD-LAST-LINE$/m);
    expect(output).toMatch(/… \d+ bytes (\(\d+ lines\) )?of output omitted/);
    expect(output.indexOf("FLOOD-FIRST-LINE")).toBeLessThan(output.search(/bytes (\(\d+ lines\) )?of output omitted/));
    expect(output.search(/bytes (\(\d+ lines\) )?of output omitted/)).toBeLessThan(output.indexOf("FLOOD-LAST-LINE"));

    expect(growthMiB).toBeLessThan(150);
  });
});
