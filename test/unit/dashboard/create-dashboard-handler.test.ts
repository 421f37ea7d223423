import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Queue, Worker, type Job } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDashboardHandler } from "../../../src/dashboard/create-dashboard-handler.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";

const auth = { Authorization: `Basic ${Buffer.from("ops:s3cret").toString("base64")}` };

describe("createDashboardHandler", () => {
  let redis: TestRedis;
  let queues: Queue[];
  let server: Server;
  let base: string;
  const workers: Worker[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    const connection = { host: "127.0.0.1", port: redis.port };
    queues = ["process", "execute", "cleanup"].map((name) => new Queue(name, { connection }));
    const handler = createDashboardHandler({ queues, user: "ops", password: "s3cret" });
    if (handler === null) throw new Error("expected a handler");
    // Like Probot's server: handlers first, then a 404 for whatever nobody answered.
    server = createServer(async (req, res) => {
      if (!(await handler(req, res))) res.writeHead(404).end("not found");
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()));
    await Promise.all((queues ?? []).map((q) => q.close()));
    if (server) await new Promise((resolve) => server.close(resolve));
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

  it("refuses cross-site writes even with credentials", async () => {
    const res = await fetch(`${base}/admin/queues/api/queues/pause`, {
      method: "PUT",
      headers: { ...auth, "Sec-Fetch-Site": "cross-site" },
    });
    expect(res.status).toBe(403);
    expect(await queues[0]!.isPaused()).toBe(false);
  });
});
