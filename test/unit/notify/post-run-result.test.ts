import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { postRunResult, PostRunResultError, signBody, type RunResultPayload } from "../../../src/notify/post-run-result.js";

const payload: RunResultPayload = {
  run_id: "widgets-aaaaaaa-fix-0123456789",
  attempt: 2,
  repository: "acme/widgets",
  script: "scripts/fix.ts",
  commit: "a".repeat(40),
  status: "succeeded",
  exit_code: 0,
  started_at: "2026-11-02T10:00:00.000Z",
  finished_at: "2026-11-02T10:00:01.234Z",
  duration_ms: 1234,
  result: { updated: 3, ids: ["p1", "p2", "p3"], note: "ünïcödé ✓" },
  log_url: "https://github.com/acme/widgets/blob/bbbb/chorebot/logs/fix.md",
  trigger: "merge",
  requested_by: null,
};
const secret = "s3cret";
const token = "tok_DO_NOT_LEAK";

interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

let server: Server | undefined;

/** A receiver on 127.0.0.1; `answer` handles the n-th request (0-based), after its body is read. */
async function receiver(answer: (res: ServerResponse, n: number) => void) {
  const received: Received[] = [];
  server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
      answer(res, received.length - 1);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { received, url: `http://127.0.0.1:${port}/hooks/chorebot?token=${token}` };
}

const reply = (res: ServerResponse, status: number, headers: Record<string, string> = {}) => res.writeHead(status, headers).end("{}");

afterEach(async () => {
  const s = server;
  server = undefined;
  if (s === undefined) return;
  s.closeAllConnections();
  await new Promise((resolve) => s.close(resolve));
});

describe("signBody", () => {
  it("follows GitHub's webhook signature convention", () => {
    // The test vector from GitHub's "Validating webhook deliveries".
    expect(signBody("Hello, World!", "It's a Secret to Everybody")).toBe("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
  });

  it("signs the bytes of a string and of a buffer alike", () => {
    expect(signBody(Buffer.from("ünï", "utf8"), "k")).toBe(signBody("ünï", "k"));
  });
});

describe("postRunResult", () => {
  it("POSTs the payload as signed JSON with a delivery id", async () => {
    const { received, url } = await receiver((res) => reply(res, 204));
    await postRunResult({ url, secret, payload });

    expect(received).toHaveLength(1);
    const [req] = received;
    expect(req?.method).toBe("POST");
    expect(req?.url).toBe(`/hooks/chorebot?token=${token}`);
    expect(req?.headers["content-type"]).toBe("application/json");
    expect(req?.headers["user-agent"]).toBe("chorebot");
    expect(req?.headers["x-chorebot-delivery"]).toBe("widgets-aaaaaaa-fix-0123456789-2");
    const body = req!.body;
    expect(JSON.parse(body.toString("utf8"))).toEqual(payload);
    // Verified as a receiver would: over the raw bytes, independently of signBody.
    const expected = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
    expect(req?.headers["x-chorebot-signature-256"]).toBe(expected);
    expect(signBody(body, "another secret")).not.toBe(expected);
  });

  it("sends a null result as null", async () => {
    const { received, url } = await receiver((res) => reply(res, 200));
    await postRunResult({ url, secret, payload: { ...payload, status: "failed", exit_code: 1, result: null } });
    expect(JSON.parse(received[0]!.body.toString("utf8"))).toMatchObject({ status: "failed", exit_code: 1, result: null });
  });

  it("retries after a 5xx with the same body, signature and delivery id", async () => {
    const { received, url } = await receiver((res, n) => reply(res, n < 2 ? 500 : 200));
    await postRunResult({ url, secret, payload, baseDelayMs: 1 });

    expect(received).toHaveLength(3);
    for (const req of received.slice(1)) {
      expect(req.body.equals(received[0]!.body)).toBe(true);
      expect(req.headers["x-chorebot-delivery"]).toBe(received[0]!.headers["x-chorebot-delivery"]);
      expect(req.headers["x-chorebot-signature-256"]).toBe(received[0]!.headers["x-chorebot-signature-256"]);
    }
  });

  it.each([408, 502, 503])("retries after a %i", async (status) => {
    const { received, url } = await receiver((res, n) => reply(res, n === 0 ? status : 200));
    await postRunResult({ url, secret, payload, baseDelayMs: 1 });
    expect(received).toHaveLength(2);
  });

  it("retries after a 429, honouring retry-after: 0", async () => {
    const { received, url } = await receiver((res, n) => reply(res, n === 0 ? 429 : 200, n === 0 ? { "retry-after": "0" } : {}));
    // A base delay far beyond the test timeout: only retry-after can let the retry happen in time.
    await postRunResult({ url, secret, payload, baseDelayMs: 60_000 });
    expect(received).toHaveLength(2);
  });

  it("fails after the last attempt, naming the origin and status but not the query", async () => {
    const { received, url } = await receiver((res) => reply(res, 503));
    const error = await postRunResult({ url, secret, payload, attempts: 3, baseDelayMs: 1 }).catch((e: unknown) => e);

    expect(received).toHaveLength(3);
    expect(error).toBeInstanceOf(PostRunResultError);
    const { message, status, attempts } = error as PostRunResultError;
    expect(message).toContain(new URL(url).origin);
    expect(message).toContain("3 attempts");
    expect(message).toContain("503");
    expect(message).not.toContain(token);
    expect(message).not.toContain("/hooks");
    expect(status).toBe(503);
    expect(attempts).toBe(3);
  });

  it.each([400, 401, 404, 422])("does not retry a %i", async (status) => {
    const { received, url } = await receiver((res) => reply(res, status));
    const error = await postRunResult({ url, secret, payload, baseDelayMs: 1 }).catch((e: unknown) => e);

    expect(received).toHaveLength(1);
    expect(error).toBeInstanceOf(PostRunResultError);
    expect((error as Error).message).toMatch(new RegExp(`HTTP ${status}.*not retried`));
    expect((error as Error).message).not.toContain(token);
    expect((error as PostRunResultError).status).toBe(status);
  });

  it("does not follow a redirect", async () => {
    const { received, url } = await receiver((res) => reply(res, 302, { location: "http://127.0.0.1:1/elsewhere" }));
    await expect(postRunResult({ url, secret, payload, baseDelayMs: 1 })).rejects.toThrow(/HTTP 302/);
    expect(received).toHaveLength(1);
  });

  it("times out a receiver that never answers, and retries", async () => {
    const { received, url } = await receiver(() => {
      /* never answers */
    });
    const error = await postRunResult({ url, secret, payload, attempts: 2, baseDelayMs: 1, timeoutMs: 50 }).catch((e: unknown) => e);

    expect(received).toHaveLength(2);
    expect(error).toBeInstanceOf(PostRunResultError);
    expect((error as Error).message).toMatch(/failed after 2 attempts; last: timed out after 50 ms/);
    expect((error as Error).message).not.toContain(token);
    expect((error as PostRunResultError).status).toBeNull();
  });

  it("retries a network error and names only the origin", async () => {
    // Grab a free port, then close it: nothing listens there.
    const { url } = await receiver(() => undefined);
    const s = server!;
    server = undefined;
    await new Promise((resolve) => s.close(resolve));

    const error = await postRunResult({ url, secret, payload, attempts: 2, baseDelayMs: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PostRunResultError);
    expect((error as Error).message).toMatch(/failed after 2 attempts; last: network error: ECONNREFUSED/);
    expect((error as Error).message).not.toContain(token);
  });

  it("rejects an invalid URL without echoing it", async () => {
    await expect(postRunResult({ url: `not a url ${token}`, secret, payload })).rejects.toThrow(/^run result URL is not a valid http\(s\) URL$/);
    await expect(postRunResult({ url: `file:///etc/${token}`, secret, payload })).rejects.not.toThrow(token);
  });
});
