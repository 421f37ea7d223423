import { once } from "node:events";
import { request, type IncomingHttpHeaders, type OutgoingHttpHeaders, type Server } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { Queue, Worker, type Job } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDashboardHandler } from "../../../src/dashboard/create-dashboard-handler.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { basicAuth, serveHandler } from "../../helpers/serve-handler.js";

const auth = basicAuth("ops", "s3cret");
const wrongAuth = basicAuth("ops", "guess");

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A raw HTTP request: only Host and the given headers are sent (fetch adds its own), and
 * `from` picks the client's loopback address, so each test can be its own client IP.
 */
async function send(url: string, o: { method?: string; headers?: OutgoingHttpHeaders; from?: string } = {}): Promise<Reply> {
  return new Promise<Reply>((resolve, reject) => {
    const req = request(url, { method: o.method ?? "GET", headers: o.headers, localAddress: o.from, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

describe("createDashboardHandler", () => {
  let redis: TestRedis;
  let queues: Queue[];
  let server: Server;
  let base: string;
  const workers: Worker[] = [];
  const otherServers: Server[] = [];
  const queuesToClose: Queue[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    const connection = { host: "127.0.0.1", port: redis.port };
    queues = ["process", "execute", "cleanup"].map((name) => new Queue(name, { connection }));
    ({ base, server } = await serveHandler(createDashboardHandler({ queues, user: "ops", password: "s3cret" })));
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()));
    await Promise.all([...(queues ?? []), ...queuesToClose].map((q) => q.close()));
    for (const other of [server, ...otherServers]) if (other) await new Promise((resolve) => other.close(resolve));
    await redis?.stop();
  });

  it("is disabled without credentials", () => {
    expect(createDashboardHandler({ queues: [] })).toBeNull();
    expect(createDashboardHandler({ queues: [], user: "ops" })).toBeNull();
    expect(createDashboardHandler({ queues: [], user: "", password: "x" })).toBeNull();
  });

  it("leaves other URLs to the next handler", async () => {
    for (const path of ["/", "/api/github/webhooks", "/admin/queuesX", "/admin"]) {
      expect((await fetch(`${base}${path}`, { headers: auth })).status).toBe(404);
    }
  });

  it("asks for credentials when they are missing or wrong", async () => {
    const wrong = { Authorization: `Basic ${Buffer.from("ops:nope").toString("base64")}` };
    for (const [path, headers] of [
      ["/admin/queues", {}],
      ["/admin/queues/api/queues", wrong],
      ["/admin/queues/static/x.js", {}],
    ] as const) {
      const res = await fetch(`${base}${path}`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe('Basic realm="chorebot"');
    }
  });

  it("serves the Bull Board page and API with the right credentials", async () => {
    const page = await fetch(`${base}/admin/queues`, { headers: auth });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain('href="/admin/queues/"');
    // The page's scripts are relative to that base and must load through the same handler.
    const script = /<script defer src="([^"]+)"/.exec(html)![1]!;
    const asset = await fetch(`${base}/admin/queues/${script}`, { headers: auth });
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toMatch(/javascript/);

    const api = await fetch(`${base}/admin/queues/api/queues`, { headers: auth });
    expect(api.status).toBe(200);
    const body = (await api.json()) as { queues: { name: string }[] };
    expect(body.queues.map((q) => q.name).sort()).toEqual(["cleanup", "execute", "process"]);
  });

  it("retries a failed job through Bull Board's API", async () => {
    const execute = queues[1]!;
    let attempts = 0;
    const worker = new Worker(
      "execute",
      async (job: Job) => {
        attempts++;
        if (attempts === 1) throw new Error("boom");
        return `ok ${job.id}`;
      },
      { connection: { host: "127.0.0.1", port: redis.port } },
    );
    workers.push(worker);
    const failed = once(worker, "failed");
    await execute.add("run", { script: "scripts/x.ts" }, { jobId: "job-1", attempts: 1 });
    await failed;
    expect(await (await execute.getJob("job-1"))!.getState()).toBe("failed");

    const completed = once(worker, "completed");
    const res = await fetch(`${base}/admin/queues/api/queues/execute/job-1/retry`, { method: "PUT", headers: auth });
    expect(res.status).toBe(204);
    const [job] = (await completed) as [Job];
    expect(job.id).toBe("job-1");
    expect(job.returnvalue).toBe("ok job-1");
    expect(attempts).toBe(2);
  });

  it("refuses to add jobs or edit job data", async () => {
    const headers = { ...auth, "Content-Type": "application/json" };
    const add = await fetch(`${base}/admin/queues/api/queues/execute/add`, {
      method: "POST",
      headers,
      body: JSON.stringify({ name: "run", data: { code: "process.exit(1)" }, options: {} }),
    });
    expect(add.status).toBe(403);
    const edit = await fetch(`${base}/admin/queues/api/queues/execute/job-1/update-data`, {
      method: "PATCH",
      headers,
      body: JSON.stringify({ jobData: { code: "evil()" } }),
    });
    expect(edit.status).toBe(403);
    const execute = queues[1]!;
    expect(await execute.count()).toBe(0);
    expect((await execute.getJob("job-1"))!.data).toEqual({ script: "scripts/x.ts" });
  });

  it("refuses to run a completed job again, one or all, to clean jobs that are not completed, and to empty or obliterate a queue", async () => {
    // job-1 completed in the retry test above; failed-1 fails here, waiting-1 waits (no worker takes it).
    const execute = queues[1]!;
    const cleanup = queues[2]!;
    expect(await execute.getJobState("job-1")).toBe("completed");
    await cleanup.add("cleanup", { script: "scripts/x.ts" }, { jobId: "waiting-1" });
    const put = (path: string) => fetch(`${base}/admin/queues/api/queues/${path}`, { method: "PUT", headers: auth });
    const refused = [
      "execute/job-1/retry",
      "execute/retry/completed",
      "execute/clean/failed",
      "execute/clean/wait",
      "execute/clean/delayed",
      "execute/clean/active",
      "cleanup/waiting-1/clean",
      "execute/empty",
      "execute/obliterate",
      "execute/promote",
    ];
    for (const path of refused) {
      const res = await put(path);
      expect(res.status, path).toBe(403);
    }
    expect(await execute.getJobState("job-1")).toBe("completed");
    expect(await cleanup.getJobState("waiting-1")).toBe("waiting");
    expect(await execute.getJobCounts("completed")).toEqual({ completed: 1 });
    // Pausing runs nothing and erases nothing.
    expect((await put("execute/pause")).status).toBe(200);
    expect(await execute.isPaused()).toBe(true);
    expect((await put("execute/resume")).status).toBe(200);
    await cleanup.remove("waiting-1");
  });

  it("cleans a completed job: its record is the committed log", async () => {
    const execute = queues[1]!;
    expect(await execute.getJobState("job-1")).toBe("completed");
    const res = await fetch(`${base}/admin/queues/api/queues/execute/job-1/clean`, { method: "PUT", headers: auth });
    expect(res.status).toBe(204);
    expect(await execute.getJob("job-1")).toBeUndefined();
  });

  it("makes a retry of a run whose worker lost its claim wait until its script is surely stopped", async () => {
    // A queue of its own: the other tests' workers must not take the job.
    const connection = { host: "127.0.0.1", port: redis.port };
    const execute = new Queue("execute", { connection, prefix: "lost" });
    queuesToClose.push(execute);
    await execute.add("run", { script: "scripts/lost.ts" }, { jobId: "lost-1", attempts: 1 });
    const worker = new Worker("execute", null, { connection, prefix: "lost" });
    workers.push(worker);
    const job = await worker.getNextJob("token-1");
    expect(job.id).toBe("lost-1");
    // What BullMQ's stalled check records for a job whose worker stopped renewing its lock.
    await job.moveToFailed(new Error("job stalled more than allowable limit"), "token-1");
    const retry = (handlerBase: string) => fetch(`${handlerBase}/admin/queues/api/queues/execute/lost-1/retry`, { method: "PUT", headers: auth });

    const cautious = await serveHandler(createDashboardHandler({ queues: [execute], user: "ops", password: "s3cret", lockMs: 60_000 }));
    otherServers.push(cautious.server);
    const refused = await retry(cautious.base);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toMatch(/lost its claim on it; until .* \(5\d s\) its script may still be stopping/);
    expect(await execute.getJobState("lost-1")).toBe("failed");

    // With a lock of 0 ms, that moment has passed: the retry goes through.
    const immediate = await serveHandler(createDashboardHandler({ queues: [execute], user: "ops", password: "s3cret", lockMs: 0 }));
    otherServers.push(immediate.server);
    expect((await retry(immediate.base)).status).toBe(204);
    expect(await execute.getJobState("lost-1")).toBe("waiting");
  });

  it("refuses cross-site writes even with credentials", async () => {
    const res = await fetch(`${base}/admin/queues/api/queues/pause`, {
      method: "PUT",
      headers: { ...auth, "Sec-Fetch-Site": "cross-site" },
    });
    expect(res.status).toBe(403);
    expect(await queues[0]!.isPaused()).toBe(false);
  });

  describe("cross-site request forgery", () => {
    const cleanup = () => queues[2]!;
    const state = async (id: string) => (await cleanup().getJob(id))!.getState();
    const retry = (id: string) => `${base}/admin/queues/api/queues/cleanup/${id}/retry`;

    beforeAll(async () => {
      // Failed jobs on a queue with no worker left, so a retry that got through would leave
      // the job waiting instead of failing it again.
      const worker = new Worker(
        "cleanup",
        async () => {
          throw new Error("boom");
        },
        { connection: { host: "127.0.0.1", port: redis.port } },
      );
      const ids = ["csrf-refused", "csrf-origin", "csrf-fetch-site", "csrf-typed", "csrf-plain"];
      let failed = 0;
      const allFailed = new Promise<void>((resolve) =>
        worker.on("failed", () => {
          if (++failed === ids.length) resolve();
        }),
      );
      for (const id of ids) await cleanup().add("cleanup", { script: "scripts/x.ts" }, { jobId: id, attempts: 1 });
      await allFailed;
      await worker.close();
      for (const id of ids) expect(await state(id)).toBe("failed");
    });

    it("refuses cross-site POST and PUT with valid credentials and leaves the job failed", async () => {
      const forged: [string, OutgoingHttpHeaders][] = [
        ["PUT", { "Sec-Fetch-Site": "cross-site" }],
        ["POST", { "Sec-Fetch-Site": "cross-site" }],
        ["PUT", { "Sec-Fetch-Site": "same-site" }],
        ["PUT", { Origin: "https://evil.example" }],
        ["POST", { Origin: "https://evil.example" }],
        ["PUT", { Origin: "null" }],
        ["PUT", { Origin: `${base}.evil.example` }],
        ["PUT", { "Sec-Fetch-Site": "same-origin", Origin: "https://evil.example" }],
        ["DELETE", { "Sec-Fetch-Site": "cross-site" }],
      ];
      for (const [method, headers] of forged) {
        const res = await send(retry("csrf-refused"), { method, headers: { ...auth, ...headers } });
        expect({ method, headers, status: res.status }).toEqual({ method, headers, status: 403 });
        expect(res.body).toBe("Cross-site request refused\n");
      }
      await sleep(200);
      expect(await state("csrf-refused")).toBe("failed");
      expect(await queues[2]!.isPaused()).toBe(false);
    });

    it("allows a same-origin PUT whose Origin matches Host", async () => {
      const res = await send(retry("csrf-origin"), { method: "PUT", headers: { ...auth, Origin: base } });
      expect(res.status).toBe(204);
      expect(await state("csrf-origin")).toBe("waiting");
    });

    it("allows a PUT the browser marks Sec-Fetch-Site: same-origin or none", async () => {
      const sameOrigin = await send(retry("csrf-fetch-site"), {
        method: "PUT",
        headers: { ...auth, "Sec-Fetch-Site": "same-origin", Origin: base },
      });
      expect(sameOrigin.status).toBe(204);
      expect(await state("csrf-fetch-site")).toBe("waiting");
      const typed = await send(retry("csrf-typed"), { method: "PUT", headers: { ...auth, "Sec-Fetch-Site": "none" } });
      expect(typed.status).toBe(204);
      expect(await state("csrf-typed")).toBe("waiting");
    });

    it("allows a PUT with neither header, as curl or a script sends it", async () => {
      const res = await send(retry("csrf-plain"), { method: "PUT", headers: auth });
      expect(res.status).toBe(204);
      expect(await state("csrf-plain")).toBe("waiting");
    });

    it("does not apply to GET requests", async () => {
      for (const headers of [{ "Sec-Fetch-Site": "cross-site" }, { Origin: "https://evil.example" }, { Origin: "null", "Sec-Fetch-Site": "cross-site" }]) {
        const api = await send(`${base}/admin/queues/api/queues`, { headers: { ...auth, ...headers } });
        expect(api.status).toBe(200);
        expect(JSON.parse(api.body)).toHaveProperty("queues");
        const page = await send(`${base}/admin/queues`, { headers: { ...auth, ...headers } });
        expect(page.status).toBe(200);
        expect(page.body).toContain("<html");
      }
    });
  });

  describe("failed-login rate limiting", () => {
    const page = () => `${base}/admin/queues/api/queues`;

    it("answers the 11th failed login from an address with 429 and Retry-After, then refuses even the right password", async () => {
      const from = "127.0.0.3";
      for (let i = 1; i <= 10; i++) {
        const res = await send(page(), { headers: wrongAuth, from });
        expect({ attempt: i, status: res.status }).toEqual({ attempt: i, status: 401 });
      }
      const eleventh = await send(page(), { headers: wrongAuth, from });
      expect(eleventh.status).toBe(429);
      const retryAfter = Number(eleventh.headers["retry-after"]);
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThan(15 * 60 - 30);
      expect(retryAfter).toBeLessThanOrEqual(15 * 60);
      expect(eleventh.headers["www-authenticate"]).toBeUndefined();

      for (const headers of [auth, {}, { ...auth, "X-Forwarded-For": "10.9.9.9" }]) {
        const res = await send(page(), { headers, from });
        expect(res.status).toBe(429);
        expect(Number(res.headers["retry-after"])).toBeGreaterThan(0);
      }
      // Writes are refused as well, before they reach Bull Board.
      const put = await send(`${base}/admin/queues/api/queues/pause`, { method: "PUT", headers: auth, from });
      expect(put.status).toBe(429);
      expect(await queues[0]!.isPaused()).toBe(false);
    });

    it("counts each address on its own, and another's successful login clears nothing", async () => {
      const from = "127.0.0.4";
      for (let i = 0; i < 10; i++) expect((await send(page(), { headers: wrongAuth, from })).status).toBe(401);
      expect((await send(page(), { headers: auth, from: "127.0.0.5" })).status).toBe(200);
      expect((await send(page(), { headers: auth })).status).toBe(200);
      expect((await send(page(), { headers: auth, from })).status).toBe(429);
    });

    it("does not count requests without credentials (the browser asking for the prompt)", async () => {
      const from = "127.0.0.6";
      for (let i = 0; i < 15; i++) expect((await send(page(), { from })).status).toBe(401);
      expect((await send(page(), { headers: auth, from })).status).toBe(200);
    });

    it("does not count forged cross-site writes, which never reach the password check", async () => {
      const from = "127.0.0.7";
      for (let i = 0; i < 15; i++) {
        const res = await send(`${base}/admin/queues/api/queues/pause`, {
          method: "PUT",
          headers: { ...wrongAuth, "Sec-Fetch-Site": "cross-site" },
          from,
        });
        expect(res.status).toBe(403);
      }
      expect((await send(page(), { headers: auth, from })).status).toBe(200);
    });

    it("lets the address in again once the window has passed; its own success resets nothing", async () => {
      const small = await serveHandler(createDashboardHandler({ queues, user: "ops", password: "s3cret", maxFailedLogins: 3, failedLoginWindowSeconds: 2 }));
      otherServers.push(small.server);
      const url = `${small.base}/admin/queues/api/queues`;
      const from = "127.0.0.8";
      expect((await send(url, { headers: wrongAuth, from })).status).toBe(401);
      expect((await send(url, { headers: wrongAuth, from })).status).toBe(401);
      expect((await send(url, { headers: auth, from })).status).toBe(200);
      expect((await send(url, { headers: wrongAuth, from })).status).toBe(401);
      const locked = await send(url, { headers: auth, from });
      expect(locked.status).toBe(429);
      expect(["1", "2"]).toContain(locked.headers["retry-after"]);

      await sleep(Number(locked.headers["retry-after"]) * 1_000 + 100);
      expect((await send(url, { headers: auth, from })).status).toBe(200);
      expect((await send(url, { headers: wrongAuth, from })).status).toBe(401);
    });

    it("keys on X-Forwarded-For's last entry only when trustProxy is set", async () => {
      const proxied = await serveHandler(createDashboardHandler({ queues, user: "ops", password: "s3cret", maxFailedLogins: 1, trustProxy: true }));
      otherServers.push(proxied.server);
      const url = `${proxied.base}/admin/queues/api/queues`;
      const xff = (value: string) => ({ "X-Forwarded-For": value });
      expect((await send(url, { headers: { ...wrongAuth, ...xff("1.2.3.4, 10.0.0.1") } })).status).toBe(401);
      expect((await send(url, { headers: { ...auth, ...xff("10.0.0.1") } })).status).toBe(429);
      // A client cannot step around the lock by prepending addresses of its own.
      expect((await send(url, { headers: { ...auth, ...xff("5.6.7.8, 10.0.0.1") } })).status).toBe(429);
      expect((await send(url, { headers: { ...auth, ...xff("10.0.0.2") } })).status).toBe(200);
      // The proxy's own address is not locked out.
      expect((await send(url, { headers: auth })).status).toBe(200);

      // Without trustProxy the header is ignored: the socket's address is what counts.
      const direct = await serveHandler(createDashboardHandler({ queues, user: "ops", password: "s3cret", maxFailedLogins: 1 }));
      otherServers.push(direct.server);
      const directUrl = `${direct.base}/admin/queues/api/queues`;
      const from = "127.0.0.9";
      expect((await send(directUrl, { headers: { ...wrongAuth, ...xff("10.0.0.3") }, from })).status).toBe(401);
      expect((await send(directUrl, { headers: { ...auth, ...xff("10.0.0.4") }, from })).status).toBe(429);
    });

    it("rejects limits that would disable it", () => {
      for (const limits of [
        { maxFailedLogins: 0 },
        { maxFailedLogins: 1.5 },
        { maxFailedLogins: Number.NaN },
        { failedLoginWindowSeconds: 0 },
        { failedLoginWindowSeconds: -1 },
        { failedLoginWindowSeconds: Number.POSITIVE_INFINITY },
      ]) {
        expect(() => createDashboardHandler({ queues: [], user: "ops", password: "s3cret", ...limits })).toThrow(RangeError);
      }
    });
  });
});
