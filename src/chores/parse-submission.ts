import type { IncomingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";
import busboy from "busboy";
import { formatBytes } from "../sdk/format-bytes.js";

/** An uploaded file, whole. */
export interface SubmittedFile {
  /** The name the browser gave it, without any folder, control characters removed. */
  filename: string;
  bytes: Buffer;
}

/** A form as submitted: its text fields and its files (the first of each name). */
export interface Submission {
  fields: Record<string, string>;
  files: Record<string, SubmittedFile>;
}

/** A submission, or why it cannot be read: 400 malformed, 413 over a limit, 415 not a form. */
export type ParsedSubmission = ({ ok: true } & Submission) | { ok: false; status: 400 | 413 | 415; message: string };

export interface SubmissionLimits {
  /** The largest file, in bytes. */
  fileSize: number;
  /** The most files (the form's file inputs). */
  files: number;
  /** The most text fields. */
  fields?: number;
  /** The longest text field value, in bytes. */
  fieldSize?: number;
}

/** Enough for any form a chore's inputs make, and for its hidden fields. */
const DEFAULT_FIELDS = 200;
const DEFAULT_FIELD_SIZE = 64 * 1024;
const FIELD_NAME_SIZE = 256;
const FILENAME_LENGTH = 255;
/** A name no input has (the definition reader refuses it), which would set the prototype of the object it is stored in. */
const PROTO = "__proto__";

/**
 * Reads a form submission, `application/x-www-form-urlencoded` or `multipart/form-data`
 * (with busboy), within `limits`: a file over `fileSize`, a field over `fieldSize`, more
 * fields or files than allowed answer 413 with a message saying which. The whole body is read
 * either way (past a limit, busboy discards what is over), so the answer reaches a browser
 * still sending; the web server caps the body's size before this runs. A file input left
 * empty (no name, no bytes) is no file.
 */
export function parseSubmission(headers: IncomingHttpHeaders, body: Readable, limits: SubmissionLimits): Promise<ParsedSubmission> {
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers,
      defParamCharset: "utf8",
      // Busboy counts a file or value that reaches its limit as over it: one byte more lets one of exactly the limit through.
      limits: {
        fileSize: limits.fileSize + 1,
        files: limits.files,
        fields: limits.fields ?? DEFAULT_FIELDS,
        fieldSize: (limits.fieldSize ?? DEFAULT_FIELD_SIZE) + 1,
        fieldNameSize: FIELD_NAME_SIZE,
        parts: (limits.fields ?? DEFAULT_FIELDS) + limits.files,
      },
    });
  } catch {
    body.resume();
    return Promise.resolve({ ok: false, status: 415, message: "expected a form (application/x-www-form-urlencoded or multipart/form-data)" });
  }

  return new Promise((resolve) => {
    const fields: Record<string, string> = {};
    const files: Record<string, SubmittedFile> = {};
    const pending: Promise<void>[] = [];
    let refusal: Extract<ParsedSubmission, { ok: false }> | null = null;
    const refuse = (status: 400 | 413, message: string) => (refusal ??= { ok: false, status, message });
    let settled = false;
    const settle = (outcome: ParsedSubmission) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };

    parser.on("field", (name, value, info) => {
      if (name === PROTO) return;
      if (info.nameTruncated || info.valueTruncated) {
        refuse(413, `the field ${JSON.stringify(name)} is longer than ${formatBytes(limits.fieldSize ?? DEFAULT_FIELD_SIZE)}`);
      } else if (!Object.hasOwn(fields, name)) {
        fields[name] = value;
      }
    });
    parser.on("file", (name, stream, info) => {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on("data", (chunk: Buffer) => {
        if (refusal !== null) return;
        size += chunk.length;
        chunks.push(chunk);
      });
      stream.on("limit", () => {
        chunks.length = 0;
        const filename = cleanFilename(info.filename);
        refuse(
          413,
          `the file ${filename ? `${JSON.stringify(filename)} ` : ""}for ${name} is over the limit of ${formatBytes(limits.fileSize)}; nothing was run`,
        );
      });
      pending.push(
        new Promise<void>((done) => {
          stream.once("end", () => {
            const filename = cleanFilename(info.filename);
            const empty = filename === "" && size === 0;
            if (refusal === null && !empty && name !== PROTO && !Object.hasOwn(files, name)) {
              files[name] = { filename: filename || "upload", bytes: Buffer.concat(chunks, size) };
            }
            done();
          });
          stream.once("error", () => done());
        }),
      );
    });
    parser.on("fieldsLimit", () => refuse(413, `the form has more than ${limits.fields ?? DEFAULT_FIELDS} fields`));
    parser.on("filesLimit", () => refuse(413, `the form has more than ${limits.files} ${limits.files === 1 ? "file" : "files"}`));
    parser.on("partsLimit", () => refuse(413, "the form has too many parts"));
    parser.on("error", () => {
      body.unpipe(parser);
      body.resume();
      settle({ ok: false, status: 400, message: "the form could not be read (a malformed body)" });
    });
    parser.on("close", () => {
      void Promise.all(pending).then(() => settle(refusal ?? { ok: true, fields, files }));
    });
    body.on("error", () => settle({ ok: false, status: 400, message: "the form did not arrive whole" }));
    body.pipe(parser);
  });
}

/**
 * A browser's file name as shown and recorded: its last path part, no control characters nor
 * bidirectional controls (which make a name read otherwise than it is), at most 255 characters.
 */
function cleanFilename(name: string | undefined): string {
  const base = (name ?? "").split(/[\\/]/).pop() ?? "";
  // eslint-disable-next-line no-control-regex
  return [...base.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, "").trim()].slice(0, FILENAME_LENGTH).join("");
}
