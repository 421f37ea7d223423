import { format } from "node:util";
import type { Telemetry } from "bullmq";
import type { Logger } from "pino";

export interface Tracing {
  /** What to give every Queue, FlowProducer and Worker; undefined when tracing is off. */
  telemetry: Telemetry | undefined;
  /** Sends the spans not yet exported; call it last when the process stops. */
  shutdown(): Promise<void>;
}

// BullMQ records each job's result (a run's redacted output and bundle) as a span event:
// cut long values unless the operator chose a limit with the standard variables.
const DEFAULT_VALUE_LENGTH_LIMIT = 4096;

/**
 * On when an OTLP endpoint is configured, unless OTEL_TRACES_EXPORTER says `none` or
 * OTEL_SDK_DISABLED is `true` (the standard ways to turn an SDK off).
 */
export function tracingEnabled(env: NodeJS.ProcessEnv): boolean {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? "").split(",").map((name) => name.trim().toLowerCase());
  return Boolean(endpoint) && !exporters.includes("none") && env.OTEL_SDK_DISABLED?.trim().toLowerCase() !== "true";
}

/**
 * Starts OpenTelemetry tracing of the pipeline's jobs, exported over OTLP/HTTP, when the
 * standard environment asks for it. The exporter and SDK read the other OTEL_* variables
 * (headers, timeouts, sampler, batch delay, resource attributes) from the environment.
 */
export async function startTracing(log: Logger, env: NodeJS.ProcessEnv = process.env): Promise<Tracing> {
  if (!tracingEnabled(env)) return { telemetry: undefined, async shutdown() {} };
  // Loaded only when tracing is on, so a process without it never loads the SDK.
  const [api, { BullMQOtel }, { NodeTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, resources] = await Promise.all([
    import("@opentelemetry/api"),
    import("bullmq-otel"),
    import("@opentelemetry/sdk-trace-node"),
    import("@opentelemetry/exporter-trace-otlp-http"),
    import("@opentelemetry/resources"),
  ]);
  // Failed exports are reported through OpenTelemetry's diag logger: into our log, once per failure.
  const warn = (message: string, ...args: unknown[]) => log.warn(`tracing: ${format(message, ...args)}`);
  api.diag.setLogger(
    {
      error: warn,
      warn,
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    api.DiagLogLevel.WARN,
  );
  const limitSet = env.OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT || env.OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT;
  const provider = new NodeTracerProvider({
    // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (read by envDetector) win over the default name.
    resource: resources
      .defaultResource()
      .merge(resources.resourceFromAttributes({ "service.name": "chorebot" }))
      .merge(resources.detectResources({ detectors: [resources.envDetector] })),
    spanLimits: limitSet ? {} : { attributeValueLengthLimit: DEFAULT_VALUE_LENGTH_LIMIT },
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // The global provider, context manager and W3C propagator: BullMQ carries a job's trace
  // context in the job, so a merge's discover, process, execute and cleanup are one trace.
  provider.register();
  log.info("tracing on: spans of the pipeline's jobs are exported over OTLP/HTTP");
  return {
    telemetry: new BullMQOtel(),
    async shutdown() {
      try {
        await provider.shutdown();
      } catch (err) {
        log.warn({ err }, "tracing: could not export the last spans");
      }
    },
  };
}
