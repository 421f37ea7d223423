import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { parseSubmission, type SubmissionLimits } from "../../../src/chores/parse-submission.js";

const limits: SubmissionLimits = { fileSize: 16, files: 2 };

function urlencoded(body: string, o: Partial<SubmissionLimits> = {}) {
  return parseSubmission({ "content-type": "application/x-www-form-urlencoded" }, Readable.from([Buffer.from(body)]), { ...limits, ...o });
}

/** A multipart body built by the platform's own FormData encoder. */
async function multipart(form: FormData, o: Partial<SubmissionLimits> = {}) {
  const request = new Request("http://localhost/", { method: "POST", body: form });
  const bytes = Buffer.from(await request.arrayBuffer());
  return parseSubmission({ "content-type": request.headers.get("content-type")! }, Readable.from([bytes]), { ...limits, ...o });
}

describe("parseSubmission", () => {
  it("reads an urlencoded form, the first value of each name", async () => {
    expect(await urlencoded("a=1&b=%3Cb%3E+x&a=2&empty=")).toEqual({ ok: true, fields: { a: "1", b: "<b> x", empty: "" }, files: {} });
  });

  it("reads a multipart form: fields and whole files, a file input left empty being no file", async () => {
    const form = new FormData();
    form.append("account", "acct_1");
    form.append("csv", new Blob(["id\n1\n"]), "ids é.csv");
    form.append("other", new Blob([]), "");
    const parsed = await multipart(form);
    expect(parsed).toMatchObject({ ok: true, fields: { account: "acct_1" } });
    if (!parsed.ok) throw new Error("expected a submission");
    expect(Object.keys(parsed.files)).toEqual(["csv"]);
    expect(parsed.files.csv!.filename).toBe("ids é.csv");
    expect(parsed.files.csv!.bytes.toString()).toBe("id\n1\n");
  });

  it("keeps an empty file that has a name, without its folder", async () => {
    const form = new FormData();
    form.append("csv", new Blob([]), "folder/empty.csv");
    const parsed = await multipart(form);
    expect(parsed.ok && parsed.files.csv).toEqual({ filename: "empty.csv", bytes: Buffer.alloc(0) });
  });

  it("refuses a file over the limit with 413, naming it", async () => {
    const form = new FormData();
    form.append("csv", new Blob(["x".repeat(17)]), "big.csv");
    expect(await multipart(form)).toEqual({ ok: false, status: 413, message: 'the file "big.csv" for csv is over the limit of 16 bytes; nothing was run' });
    const exact = new FormData();
    exact.append("csv", new Blob(["x".repeat(16)]), "ok.csv");
    expect(await multipart(exact)).toMatchObject({ ok: true });
  });

  it("refuses too many files, too many fields or a field too long with 413", async () => {
    const form = new FormData();
    for (const name of ["a", "b", "c"]) form.append(name, new Blob(["1"]), `${name}.txt`);
    expect(await multipart(form)).toMatchObject({ ok: false, status: 413, message: "the form has more than 2 files" });
    expect(await urlencoded("a=1&b=2&c=3", { fields: 2 })).toMatchObject({ ok: false, status: 413, message: "the form has more than 2 fields" });
    expect(await urlencoded(`a=${"x".repeat(20)}`, { fieldSize: 10 })).toMatchObject({
      ok: false,
      status: 413,
      message: 'the field "a" is longer than 10 bytes',
    });
  });

  it("refuses what is no form with 415, and a malformed multipart body with 400", async () => {
    expect(await parseSubmission({ "content-type": "application/json" }, Readable.from([Buffer.from("{}")]), limits)).toMatchObject({
      ok: false,
      status: 415,
    });
    expect(await parseSubmission({}, Readable.from([]), limits)).toMatchObject({ ok: false, status: 415 });
    const broken = await parseSubmission(
      { "content-type": "multipart/form-data; boundary=xyz" },
      Readable.from([Buffer.from('--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\nunterminated')]),
      limits,
    );
    expect(broken).toMatchObject({ ok: false, status: 400 });
  });
});
