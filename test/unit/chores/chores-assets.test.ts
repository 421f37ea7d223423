import { readFileSync } from "node:fs";
import { request, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveChoresAsset, STYLESHEET_URLS } from "../../../src/chores/chores-assets.js";
import { CHORES_STYLESHEET } from "../../../src/chores/chores-stylesheet.js";
import { serveHandler } from "../../helpers/serve-handler.js";

const PICO = readFileSync("node_modules/@picocss/pico/css/pico.classless.min.css", "utf8");

/** A request with its path sent as written (fetch would resolve `..` first). */
function raw(path: string, o: { method?: string; headers?: Record<string, string> } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request(`${base}/`, { path, method: o.method ?? "GET", headers: o.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end();
  });
}

let base: string;
let server: Server;

beforeAll(async () => {
  ({ base, server } = await serveHandler((req, res) => Promise.resolve(serveChoresAsset(req, res))));
});
afterAll(() => server.close());

describe("serveChoresAsset", () => {
  it("links Pico CSS, then chores.css, each with its hash", () => {
    expect(STYLESHEET_URLS).toHaveLength(2);
    expect(STYLESHEET_URLS[0]).toMatch(/^\/chores\/assets\/pico\.css\?v=[A-Za-z0-9_-]{16}$/);
    expect(STYLESHEET_URLS[1]).toMatch(/^\/chores\/assets\/chores\.css\?v=[A-Za-z0-9_-]{16}$/);
  });

  it("serves the package's CSS from chorebot, cached for good under its linked URL, with an ETag", async () => {
    const res = await raw(STYLESHEET_URLS[0]!);
    expect(res.status).toBe(200);
    expect(res.body).toBe(PICO);
    expect(res.body).toContain("Pico CSS");
    expect(res.headers["content-type"]).toBe("text/css; charset=utf-8");
    expect(res.headers["content-length"]).toBe(String(Buffer.byteLength(PICO)));
    expect(res.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers.etag).toBe(`"${STYLESHEET_URLS[0]!.split("v=")[1]}"`);
    // It loads nothing from elsewhere: no font, import or source map of another site.
    expect(res.body).not.toMatch(/@import|sourceMappingURL|url\((?!"data:)/);
  });

  it("serves chores.css too; without the current hash, for a short while only", async () => {
    const res = await raw("/chores/assets/chores.css");
    expect(res.status).toBe(200);
    expect(res.body).toBe(CHORES_STYLESHEET);
    expect(res.headers["content-type"]).toBe("text/css; charset=utf-8");
    expect(res.headers["cache-control"]).toBe("public, max-age=300");
    expect((await raw("/chores/assets/chores.css?v=stale")).headers["cache-control"]).toBe("public, max-age=300");
  });

  it("answers 304 to a browser that has the asset already, and 200 to one with another version", async () => {
    const { headers } = await raw(STYLESHEET_URLS[1]!);
    const etag = headers.etag as string;
    for (const ifNoneMatch of [etag, `W/${etag}`, `"old", ${etag}`, "*"]) {
      const res = await raw(STYLESHEET_URLS[1]!, { headers: { "If-None-Match": ifNoneMatch } });
      expect(res.status, ifNoneMatch).toBe(304);
      expect(res.body).toBe("");
      expect(res.headers.etag).toBe(etag);
      expect(res.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    }
    const changed = await raw(STYLESHEET_URLS[1]!, { headers: { "If-None-Match": '"old"' } });
    expect(changed.status).toBe(200);
    expect(changed.body).toBe(CHORES_STYLESHEET);
  });

  it("answers HEAD without a body and refuses other methods", async () => {
    const head = await raw(STYLESHEET_URLS[0]!, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
    expect(head.headers["content-length"]).toBe(String(Buffer.byteLength(PICO)));
    const post = await raw(STYLESHEET_URLS[0]!, { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe("GET, HEAD");
  });

  it("answers 404 for any other name, and never a file outside its table", async () => {
    for (const path of [
      "/chores/assets/",
      "/chores/assets/nope.css",
      "/chores/assets/../../package.json",
      "/chores/assets/..%2F..%2Fpackage.json",
      "/chores/assets/%2e%2e/%2e%2e/package.json",
      "/chores/assets/pico.css/",
      "/chores/assets/pico.css/../chores.css",
      "/chores/assets/PICO.CSS",
      "/chores/assets/__proto__",
      "/chores/assets/constructor",
      "/chores/assets/node_modules/@picocss/pico/css/pico.min.css",
    ]) {
      const res = await raw(path);
      expect(res.status, path).toBe(404);
      expect(res.body, path).toBe("no such asset\n");
      expect(res.headers["content-type"]).toBe("text/plain; charset=utf-8");
    }
  });

  it("leaves every other path to the next handler", async () => {
    for (const path of ["/chores", "/chores/assets", "/chores/assetsx/pico.css", "/package.json", "/x/chores/assets/pico.css"]) {
      const res = await raw(path);
      expect(res.status, path).toBe(404);
      expect(res.body, path).toBe("not found");
    }
  });
});
