import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runsApiClient, ServerUnreachable } from "../../../src/bin/runs-api-client.js";
import { freePort } from "../../helpers/redis-server.js";

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

let server: Server;
let serverUrl: string;
let seen: Seen[];
let answer: (res: ServerResponse) => void;

beforeEach(async () => {
  seen = [];
  answer = (res) => res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ id: "r1", status: "running" }));
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      seen.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, contentType: req.headers["content-type"], body });
      answer(res);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  server.close();
  await once(server, "close");
});

const login = { user: "ops", password: "dash:pass" };

describe("runsApiClient", () => {
  it("asks for a run's status with the dashboard's login", async () => {
    const answered = await runsApiClient({ serverUrl, login }).status("acme.app-1a2b/scripts x");
    expect(answered).toEqual({ status: 200, json: { id: "r1", status: "running" }, line: '{"id":"r1","status":"running"}' });
    expect(seen).toEqual([
      {
        method: "GET",
        url: `/api/runs/${encodeURIComponent("acme.app-1a2b/scripts x")}`,
        authorization: `Basic ${Buffer.from("ops:dash:pass").toString("base64")}`,
        contentType: undefined,
        body: "",
      },
    ]);
  });

  it("asks to cancel a run, naming who asked, or nobody", async () => {
    answer = (res) => res.writeHead(202, { "Content-Type": "application/json" }).end('{"id":"r1","cancelled":true}');
    const api = runsApiClient({ serverUrl, login });
    expect(await api.cancel("r1", "dave")).toEqual({ status: 202, json: { id: "r1", cancelled: true }, line: '{"id":"r1","cancelled":true}' });
    await api.cancel("r1");
    expect(seen.map(({ method, url, contentType, body }) => ({ method, url, contentType, body }))).toEqual([
      { method: "POST", url: "/api/runs/r1/cancel", contentType: "application/json", body: '{"by":"dave"}' },
      { method: "POST", url: "/api/runs/r1/cancel", contentType: "application/json", body: "{}" },
    ]);
  });

  it("gives a page that is not the server's JSON (a proxy's) as its status and the start of its text, on one line", async () => {
    answer = (res) => res.writeHead(502, { "Content-Type": "text/html" }).end(`<html>\n  <body>Bad   gateway</body>\n</html>${"x".repeat(500)}\n`);
    const answered = await runsApiClient({ serverUrl, login }).status("r1");
    expect(answered.status).toBe(502);
    expect(answered.json).toBeUndefined();
    expect(answered.line).toMatch(/^502 <html> <body>Bad gateway<\/body> <\/html>x+$/);
    expect(answered.line.length).toBe("502 ".length + 200);
  });

  it("gives a refused login as what to fix, whatever the server sent", async () => {
    const api = runsApiClient({ serverUrl, login });
    answer = (res) => res.writeHead(401, { "Content-Type": "application/json" }).end('{"error":"authentication required"}');
    expect(await api.status("r1")).toEqual({
      status: 401,
      json: { error: "authentication required" },
      line: "the server refused the login: check DASHBOARD_USER and DASHBOARD_PASSWORD",
    });
    answer = (res) => res.writeHead(401, { "Content-Type": "text/plain" }).end("Unauthorized");
    expect((await api.freezes()).line).toBe("the server refused the login: check DASHBOARD_USER and DASHBOARD_PASSWORD");
  });

  it("gives any other refusal as the server's message (and its hint), not as JSON; the JSON stays as it was", async () => {
    const api = runsApiClient({ serverUrl, login });
    answer = (res) => res.writeHead(404, { "Content-Type": "application/json" }).end('{"error":"no run r1","hint":"older ones are in logs/"}');
    expect(await api.status("r1")).toEqual({
      status: 404,
      json: { error: "no run r1", hint: "older ones are in logs/" },
      line: "no run r1; older ones are in logs/",
    });
    answer = (res) => res.writeHead(409, { "Content-Type": "application/json" }).end('{"error":"too many freezes","frozen":[]}');
    expect((await api.freeze({ reason: "x" })).line).toBe("too many freezes");
    // A cancel of a finished run answers 409 with a message, no error.
    answer = (res) => res.writeHead(409, { "Content-Type": "application/json" }).end('{"run":"r1","state":"finished","message":"r1 already finished"}');
    expect((await api.cancel("r1")).line).toBe("r1 already finished");
    answer = (res) => res.writeHead(400, { "Content-Type": "application/json" }).end('{"unexpected":true}');
    expect((await api.unfreeze({})).line).toBe('{"unexpected":true}');
  });

  it("says which server it could not reach, and why", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const asking = runsApiClient({ serverUrl: closed, login }).status("r1");
    await expect(asking).rejects.toThrow(ServerUnreachable);
    await expect(asking).rejects.toThrow(new RegExp(`^could not reach ${closed}: .*ECONNREFUSED`));
  });
});
