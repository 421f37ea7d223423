import { once } from "node:events";
import { createServer, type Server } from "node:http";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";
import { recordingScript } from "./scripts.js";

interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  service: unknown;
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
}

interface OtlpReceiver {
  url: string;
  spans: ReceivedSpan[];
  /**
   * Resolves with `pick`'s first non-null answer, asked again whenever spans arrive; fails
   * after `timeoutMs` naming the spans received, rather than at the test's timeout.
   */
  waitFor<T>(pick: (spans: ReceivedSpan[]) => T | null, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

/** OTLP/JSON attribute values ({ stringValue }, { intValue }, { arrayValue }) as plain values. */
function plain(value: Record<string, any>): unknown {
  if ("arrayValue" in value) return (value.arrayValue.values ?? []).map(plain);
  if ("intValue" in value) return Number(value.intValue);
  return Object.values(value)[0];
}

const attributesOf = (list: { key: string; value: Record<string, any> }[] = []) => Object.fromEntries(list.map(({ key, value }) => [key, plain(value)]));

/** A stand-in for an OpenTelemetry collector: takes OTLP/HTTP JSON trace exports on /v1/traces. */
async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const waiters = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const body = req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw;
      if (req.url !== "/v1/traces" || !String(req.headers["content-type"]).startsWith("application/json")) {
        res.writeHead(415).end();
        return;
      }
      for (const resourceSpans of JSON.parse(body.toString()).resourceSpans ?? []) {
        const service = attributesOf(resourceSpans.resource?.attributes)["service.name"];
        for (const scope of resourceSpans.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) {
            spans.push({
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId || undefined,
              name: span.name,
              service,
              attributes: attributesOf(span.attributes),
              events: (span.events ?? []).map((event: Record<string, any>) => ({ name: event.name, attributes: attributesOf(event.attributes) })),
            });
          }
        }
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
      for (const wake of [...waiters]) wake();
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    waitFor(pick, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`not the expected spans; received: ${spans.map((span) => span.name).join(", ") || "none"}`));
        }, timeoutMs);
        const check = () => {
          const picked = pick(spans);
          if (picked === null) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(picked);
        };
        waiters.add(check);
        check();
      });
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

let otlp: OtlpReceiver;
let h: Harness;
beforeAll(async () => {
  otlp = await startOtlpReceiver();
  // Web and workers in separate processes, as at scale: the trace must cross from one to the other.
  h = await startHarness({
    appArgs: ["start", "--no-workers"],
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_BSP_SCHEDULE_DELAY: "100" },
  });
});
afterAll(async () => {
  await h?.close();
  await otlp?.close();
});

describe("tracing (OTEL_EXPORTER_OTLP_ENDPOINT)", () => {
  it("exports one trace per merge: the webhook's add, then discover, process, execute and cleanup of its run", async () => {
    // This worker exports only when it stops: its spans arrive only if SIGTERM flushes them.
    const worker = await h.spawnApp(["worker"], { OTEL_BSP_SCHEDULE_DELAY: "600000" });
    const path = "scripts/2026-11-traced.ts";
    const merged = await h.mergeAndPush({ [path]: recordingScript("traced", `console.log("x".repeat(10_000));`) });
    expect(merged.delivery.status).toBe(200);
    const runId = merged.runIds[path]!;
    expect((await h.waitForRun(runId)).status).toBe("succeeded");
    await worker.process.stop("SIGTERM");

    const { add, discover, steps } = await otlp.waitFor((spans) => {
      const discover = spans.find((span) => span.name === "process discover" && span.attributes["chorebot.commit"] === merged.after);
      const add = spans.find((span) => span.name.startsWith("add discover") && span.traceId === discover?.traceId);
      const steps = (["process", "execute", "cleanup"] as const).map((queue) =>
        spans.find((span) => span.name === `process ${queue}` && span.attributes["chorebot.run_id"] === runId),
      );
      return add && discover && steps.every(Boolean) ? { add, discover, steps: steps as ReceivedSpan[] } : null;
    });

    // The web process added the discover job (a root span); everything after it is in its trace.
    expect(add.parentSpanId).toBeUndefined();
    expect(discover.parentSpanId).toBe(add.spanId);
    expect(steps.map((span) => span.traceId)).toEqual([discover.traceId, discover.traceId, discover.traceId]);
    expect(discover.attributes).toMatchObject({ "chorebot.repository": `${h.gh.owner}/${h.gh.repo}`, "chorebot.run_ids": [runId] });
    const [processSpan, executeSpan, cleanupSpan] = steps;
    const run = { "chorebot.run_id": runId, "chorebot.script": path, "chorebot.repository": `${h.gh.owner}/${h.gh.repo}`, "chorebot.commit": merged.after };
    expect(processSpan!.attributes).toMatchObject(run);
    expect(executeSpan!.attributes).toMatchObject({ ...run, "chorebot.status": "succeeded", "chorebot.attempt": 1 });
    expect(cleanupSpan!.attributes).toMatchObject({ ...run, "chorebot.status": "succeeded", "chorebot.attempt": 1 });
    // BullMQ puts the job's result in an event: execute's is a summary, never the script's 10,000-character output.
    const result = JSON.parse(String(executeSpan!.events.find((event) => event.name === "job completed")?.attributes["bullmq.job.result"]));
    expect(result).toMatchObject({ attempt: 1, status: "succeeded", exitCode: 0 });
    expect(JSON.stringify(result)).not.toContain("xxxx");
    expect(new Set([add, discover, ...steps].map((span) => span.service))).toEqual(new Set(["chorebot"]));
    expect(h.app.lines.some((line) => String(line.msg).startsWith("tracing on"))).toBe(true);
  });
});
