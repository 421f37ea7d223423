import { context, diag, propagation, trace } from "@opentelemetry/api";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { startTracing, tracingEnabled } from "../../../src/telemetry/start-tracing.js";

const log = pino({ level: "silent" });

describe("startTracing", () => {
  afterEach(() => {
    // Undo the global registration of the test that turned tracing on.
    for (const api of [trace, context, propagation, diag]) api.disable();
  });

  it("stays off without an OTLP endpoint: no telemetry for BullMQ, nothing to flush", async () => {
    const tracing = await startTracing(log, {});
    expect(tracing.telemetry).toBeUndefined();
    await tracing.shutdown();
    expect(trace.getTracerProvider().constructor.name).toBe("ProxyTracerProvider");
  });

  it("stays off when OTEL_TRACES_EXPORTER is none, even with an endpoint", async () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318", OTEL_TRACES_EXPORTER: "none" };
    expect((await startTracing(log, env)).telemetry).toBeUndefined();
  });

  it("is on with either endpoint variable and any other exporter setting", () => {
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" })).toBe(true);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/v1/traces" })).toBe(true);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_TRACES_EXPORTER: "otlp" })).toBe(true);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: "" })).toBe(false);
    expect(tracingEnabled({ OTEL_TRACES_EXPORTER: "otlp" })).toBe(false);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_SDK_DISABLED: "true" })).toBe(false);
  });

  it("when on, registers the SDK (spans are recorded) and gives BullMQ a telemetry", async () => {
    const tracing = await startTracing(log, { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9" });
    expect(tracing.telemetry).toBeDefined();
    // Not ended, so nothing is exported to the closed port: the e2e test covers exporting.
    expect(trace.getTracer("probe").startSpan("probe").isRecording()).toBe(true);
    await tracing.shutdown();
  });
});
