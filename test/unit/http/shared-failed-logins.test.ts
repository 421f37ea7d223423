import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRunsApiHandler } from "../../../src/api/create-runs-api-handler.js";
import { createDashboardHandler } from "../../../src/dashboard/create-dashboard-handler.js";
import { FailedLogins } from "../../../src/http/failed-logins.js";

const auth = { Authorization: `Basic ${Buffer.from("ops:s3cret").toString("base64")}` };
const wrongAuth = { Authorization: `Basic ${Buffer.from("ops:guess").toString("base64")}` };

describe("one FailedLogins shared by the dashboard and the runs API", () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const failedLogins = new FailedLogins();
    const handlers = [
      createDashboardHandler({ queues: [], user: "ops", password: "s3cret", failedLogins })!,
      createRunsApiHandler({ cancellations: { request: async () => "unknown" }, user: "ops", password: "s3cret", failedLogins }),
    ];
    // The listener's promise is voided as Node ignores it anyway: a failure stays an unhandled rejection, which vitest reports.
    server = createServer((req, res) => {
      void (async () => {
        for (const handler of handlers) if (await handler(req, res)) return;
        res.writeHead(404).end();
      })();
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    if (server) await new Promise((resolve) => server.close(resolve));
  });

  const dashboard = (headers: Record<string, string>) => fetch(`${base}/admin/queues/api/queues`, { headers });
  const api = (headers: Record<string, string>) => fetch(`${base}/api/runs/run-x/cancel`, { method: "POST", headers });

  it("allows 10 failed logins in all, however they are spread, then locks the address out of both", async () => {
    for (let i = 0; i < 6; i++) expect((await dashboard(wrongAuth)).status).toBe(401);
    for (let i = 0; i < 4; i++) expect((await api(wrongAuth)).status).toBe(401);
    // The 11th attempt, anywhere, with the right password too.
    for (const attempt of [dashboard, api]) {
      for (const headers of [wrongAuth, auth]) {
        const res = await attempt(headers);
        expect(res.status).toBe(429);
        expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
      }
    }
  });
});
