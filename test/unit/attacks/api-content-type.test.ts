import type { Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { createChoresApiHandler, type ChoresApiDeps } from "../../../src/api/create-chores-api-handler.js";
import type { ChoreAsk } from "../../../src/pipeline/start-chore.js";
import { serveHandler } from "../../helpers/serve-handler.js";

// Attack: a body declared `application/json; charset=latin1` was taken and read as UTF-8, so
// `café` sent in Latin-1 reached the gate as `caf\uFFFD`: a value no one sent.
describe("POST /api/chores/…/runs: the body's charset", () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it("refuses a JSON body declared in a charset other than UTF-8 (415), and takes UTF-8 however it is spelled", async () => {
    const asks: ChoreAsk[] = [];
    const deps = {
      identify: async () => ({ ok: true, login: "wendy", id: 1 }),
      publicUrl: null,
      pagesServed: false,
      onDemand: {
        start: async (ask: ChoreAsk) => {
          asks.push(ask);
          return { ok: false, status: 404, reason: "unknown", message: "no such chore" };
        },
      },
      runs: { get: async () => null },
    } as unknown as ChoresApiDeps;
    let base: string;
    ({ server, base } = await serveHandler(createChoresApiHandler(deps)));
    const post = (contentType: string, body: Uint8Array<ArrayBuffer>) =>
      fetch(`${base}/api/chores/acme/ops/unlock/runs`, {
        method: "POST",
        headers: { authorization: "Bearer ghp_made-up-for-this-test", "content-type": contentType },
        body,
      });

    for (const charset of ["latin1", "ISO-8859-1", '"windows-1252"', "utf-16"]) {
      const res = await post(`application/json; charset=${charset}`, new Uint8Array(Buffer.from('{"inputs": {"who": "café"}}', "latin1")));
      expect(res.status, charset).toBe(415);
    }
    expect(asks).toEqual([]);
    for (const contentType of ["application/json; charset=utf-8", "application/json;charset=UTF-8", 'application/json; charset="utf-8"', "application/json"]) {
      expect((await post(contentType, new Uint8Array(Buffer.from('{"inputs": {"who": "café"}}', "utf8")))).status, contentType).toBe(404);
    }
    expect(asks.map((ask) => ask.values.who)).toEqual(["café", "café", "café", "café"]);
  });
});
