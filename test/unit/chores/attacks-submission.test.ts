import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { parseSubmission, type SubmissionLimits } from "../../../src/chores/parse-submission.js";
import { validateSubmission } from "../../../src/chores/validate-submission.js";
import { enqueueChoreRun, type EnqueueChoreRunDeps } from "../../../src/pipeline/enqueue-chore-run.js";
import type { RawInputs } from "../../../src/stores/run-inputs.js";
import { description, entry, indexedChore, repoCatalog, type InputDescription } from "./chores-fixtures.js";

const limits: SubmissionLimits = { fileSize: 1024, files: 2 };

function urlencoded(body: string, o: Partial<SubmissionLimits> = {}) {
  return parseSubmission({ "content-type": "application/x-www-form-urlencoded" }, Readable.from([Buffer.from(body)]), { ...limits, ...o });
}

async function multipart(form: FormData, o: Partial<SubmissionLimits> = {}) {
  const request = new Request("http://localhost/", { method: "POST", body: form });
  const bytes = Buffer.from(await request.arrayBuffer());
  return parseSubmission({ "content-type": request.headers.get("content-type")! }, Readable.from([bytes]), { ...limits, ...o });
}

/** A multipart body written by hand (a client that is no browser). */
function rawMultipart(parts: string[]) {
  const boundary = "xBOUNDARYx";
  const body = `${parts.map((part) => `--${boundary}\r\n${part}\r\n`).join("")}--${boundary}--\r\n`;
  return parseSubmission({ "content-type": `multipart/form-data; boundary=${boundary}` }, Readable.from([Buffer.from(body)]), { ...limits, files: 4 });
}

describe("a hostile form submission", () => {
  it("cannot touch the prototype of what is parsed, whatever the field and file names", async () => {
    const form = new FormData();
    form.append("__proto__", "polluted");
    form.append("constructor", "c");
    form.append("__proto__", new Blob(["x"]), "a.csv");
    const parsed = await multipart(form);
    if (!parsed.ok) throw new Error(parsed.message);
    expect(Object.getPrototypeOf(parsed.fields)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(parsed.files)).toBe(Object.prototype);
    expect(Object.keys(parsed.files)).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(parsed.fields.constructor).toBe("c");

    const encoded = await urlencoded("__proto__[x]=1&__proto__=2&constructor[prototype][y]=3");
    if (!encoded.ok) throw new Error(encoded.message);
    expect(Object.getPrototypeOf(encoded.fields)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it("keeps the first of duplicate fields (a second csrf or version cannot override the first)", async () => {
    expect(await urlencoded("csrf=good&csrf=evil&version=a&version=b")).toMatchObject({ fields: { csrf: "good", version: "a" } });
  });

  it("refuses thousands of parts and a huge field with 413, and a broken body with 400", async () => {
    const many = Array.from({ length: 5000 }, (_, i) => `f${i}=1`).join("&");
    expect(await urlencoded(many)).toMatchObject({ ok: false, status: 413 });
    const form = new FormData();
    for (let i = 0; i < 3000; i++) form.append(`f${i}`, "1");
    expect(await multipart(form)).toMatchObject({ ok: false, status: 413 });
    expect(await urlencoded(`a=${"x".repeat(70 * 1024)}`)).toMatchObject({ ok: false, status: 413 });
    const files = new FormData();
    for (let i = 0; i < 3; i++) files.append(`csv${i}`, new Blob(["1"]), "a.csv");
    expect(await multipart(files)).toMatchObject({ ok: false, status: 413 });
    expect(await rawMultipart(['Content-Disposition: form-data; name="a"\r\n\r\n1']).then((p) => p.ok)).toBe(true);
    const truncated = parseSubmission({ "content-type": "multipart/form-data; boundary=zz" }, Readable.from([Buffer.from("--zz\r\nContent-Disp")]), limits);
    expect(await truncated).toMatchObject({ ok: false, status: 400 });
  });

  it("keeps only the last part of a file name, without control characters", async () => {
    const parsed = await rawMultipart([
      'Content-Disposition: form-data; name="a"; filename="../../../etc/cron.d/evil"\r\nContent-Type: text/plain\r\n\r\nx',
      'Content-Disposition: form-data; name="b"; filename="..\\\\..\\\\win.ini"\r\nContent-Type: text/plain\r\n\r\ny',
      "Content-Disposition: form-data; name=\"c\"; filename*=utf-8''%2E%2E%2F%07%1B%5B31mx.csv%E2%80%AE\r\nContent-Type: text/plain\r\n\r\nz",
    ]);
    if (!parsed.ok) throw new Error(parsed.message);
    expect(parsed.files.a!.filename).toBe("evil");
    expect(parsed.files.b!.filename).toBe("win.ini");
    // Bidirectional overrides (a name that reads backwards: `txt.exe` shown as `exe.txt`) go too.
    expect(parsed.files.c!.filename).toBe("[31mx.csv");
  });
});

describe("validating a hostile submission", () => {
  const declared: Array<[string, InputDescription]> = [
    ["csv", { type: "file", required: false }],
    ["constructor", { type: "string", required: true }],
    ["toString", { type: "int", required: false, default: 3 }],
    ["token", { type: "string", required: true, secret: true }],
  ];
  const desc = description(Object.fromEntries(declared));

  it("never takes a file input from a text field (a path on the worker)", () => {
    const checked = validateSubmission(desc, { fields: { csv: "/etc/passwd", constructor: "x", token: "long-enough-secret" }, files: {} }, 1024);
    expect(checked).toEqual({ ok: true, values: { constructor: "x", toString: "3", token: "long-enough-secret" }, files: {} });
  });

  it("checks inputs named like Object.prototype's members as any other", () => {
    const missing = validateSubmission(desc, { fields: { token: "long-enough-secret" }, files: {} }, 1024);
    expect(missing).toEqual({ ok: false, errors: { constructor: "is required" } });
    const bad = validateSubmission(desc, { fields: { constructor: "x", toString: "nope", token: "long-enough-secret" }, files: {} }, 1024);
    expect(bad).toMatchObject({ ok: false, errors: { toString: expect.stringContaining("integer") } });
  });
});

describe("queueing a run from hostile values", () => {
  it("stores only declared inputs, a file input only from an upload, and keeps secrets and file contents out of the job", async () => {
    const chore = indexedChore(
      "import",
      description({
        csv: { type: "file", required: false },
        note: { type: "string", required: false },
        token: { type: "string", required: true, secret: true },
      }),
    );
    const catalog = repoCatalog("acme", "shop", [entry(chore)]);
    const saved: RawInputs[] = [];
    const flows: unknown[] = [];
    const deps = {
      flows: { add: async (flow: unknown) => void flows.push(flow) },
      inputs: { save: async (_runId: string, raw: RawInputs) => (saved.push(raw), true) },
      history: { record: async () => undefined },
      githubStepAttempts: 1,
    } as unknown as EnqueueChoreRunDeps;
    await enqueueChoreRun(deps, {
      catalog,
      chore,
      requestedBy: "alice",
      requestKey: "k".repeat(20),
      values: { csv: "/etc/passwd", note: "hi", token: "super-secret-value", undeclared: "x" },
      files: { note: { filename: "note.txt", bytes: Buffer.from("as a file") }, stray: { filename: "s", bytes: Buffer.from("s") } },
    });
    expect(saved).toEqual([{ values: { note: "hi", token: "super-secret-value" }, files: {} }]);
    const jobs = JSON.stringify(flows);
    expect(jobs).not.toContain("super-secret-value");
    expect(jobs).not.toContain("/etc/passwd");
    expect(jobs).not.toContain("as a file");
  });
});
