import { createRequire } from 'node:module';
import { context, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import type { ModelAnswer, ModelCall } from '../models/model-provider.ts';
import type { ClaimedAttempt } from '../queue/queue-store.ts';

/**
 * OpenTelemetry traces of runs and model calls, named and attributed per the GenAI semantic
 * conventions: an `invoke_agent` span per attempt of a run, and under it a `chat` span (CLIENT)
 * per model request with `gen_ai.*` attributes (provider, models, token usage, error type).
 * Exported over OTLP/HTTP when an endpoint is configured; otherwise every call here is a no-op
 * that allocates nothing, so an untraced engine pays one branch per attempt and per model call.
 */
export interface Tracing {
  readonly enabled: boolean;
  /** Runs `fn` (one attempt of a run) inside its `invoke_agent` span. */
  traceAttempt<T>(attempt: ClaimedAttempt, fn: () => Promise<T>): Promise<T>;
  /** Runs one model request inside a `chat` span, a child of the attempt's span when there is one. */
  traceModelCall(providerId: string, call: ModelCall, fn: () => Promise<ModelAnswer>): Promise<ModelAnswer>;
  /** Sends what is buffered (tests, shutdown). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export const disabledTracing: Tracing = {
  enabled: false,
  traceAttempt: (_attempt, fn) => fn(),
  traceModelCall: (_provider, _call, fn) => fn(),
  flush: async () => undefined,
  shutdown: async () => undefined,
};

export interface TracingOptions {
  /** OTLP/HTTP traces URL (`…/v1/traces`); unset disables tracing. */
  url: string | undefined;
  serviceName: string;
  /** Milliseconds between batch exports. */
  exportDelayMs?: number;
}

let contextManagerInstalled = false;

/**
 * The SDK and the OTLP exporter (protobuf among them) are loaded only when tracing is on: ~0.3 s of
 * every command's start on a 2-core machine otherwise. They are CommonJS packages (what `import`
 * reached too), so `require` loads the same modules.
 */
function loadSdk() {
  const require = createRequire(import.meta.url);
  return {
    ...(require('@opentelemetry/context-async-hooks') as typeof import('@opentelemetry/context-async-hooks')),
    ...(require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http')),
    ...(require('@opentelemetry/resources') as typeof import('@opentelemetry/resources')),
    ...(require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base')),
  };
}

export function createTracing(options: TracingOptions): Tracing {
  if (!options.url) return disabledTracing;
  const {
    AsyncLocalStorageContextManager,
    BasicTracerProvider,
    BatchSpanProcessor,
    OTLPTraceExporter,
    resourceFromAttributes,
  } = loadSdk();
  if (!contextManagerInstalled) {
    // Spans find their parent through async context: the model call runs deep inside the attempt.
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    contextManagerInstalled = true;
  }
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: options.url }), {
        scheduledDelayMillis: options.exportDelayMs ?? 2000,
      }),
    ],
  });
  const tracer: Tracer = provider.getTracer('agentruns');

  const fail = (span: Span, error: unknown) => {
    const kind = (error as { kind?: string }).kind;
    span.setAttribute('error.type', kind ?? (error as Error).name ?? 'Error');
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
  };

  return {
    enabled: true,
    async traceAttempt(attempt, fn) {
      const span = tracer.startSpan(`invoke_agent ${attempt.run.name}`, {
        kind: SpanKind.INTERNAL,
        attributes: {
          'gen_ai.operation.name': 'invoke_agent',
          'gen_ai.agent.id': attempt.run.agentId,
          'gen_ai.agent.name': attempt.run.name,
          'gen_ai.conversation.id': attempt.runId,
          'agentruns.run.id': attempt.runId,
          'agentruns.attempt.id': attempt.id,
          'agentruns.attempt.number': attempt.number,
          'agentruns.org.id': attempt.orgId,
        },
      });
      try {
        return await context.with(trace.setSpan(context.active(), span), fn);
      } catch (error) {
        fail(span, error);
        throw error;
      } finally {
        span.end();
      }
    },
    async traceModelCall(providerId, call, fn) {
      const requestModel = call.model.slice(call.model.indexOf('/') + 1);
      const span = tracer.startSpan(`chat ${requestModel}`, {
        kind: SpanKind.CLIENT,
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': providerId,
          'gen_ai.system': providerId,
          'gen_ai.request.model': requestModel,
          'gen_ai.output.type': call.outputFormat,
          'agentruns.step.number': call.stepNumber,
          ...(call.temperature === undefined ? {} : { 'gen_ai.request.temperature': call.temperature }),
          ...(call.maxOutputTokens === undefined
            ? {}
            : { 'gen_ai.request.max_tokens': call.maxOutputTokens }),
          ...(call.reasoningEffort === undefined
            ? {}
            : { 'agentruns.reasoning_effort': call.reasoningEffort }),
        },
      });
      try {
        const answer = await context.with(trace.setSpan(context.active(), span), fn);
        span.setAttributes({
          'gen_ai.response.model': answer.responseModel ?? requestModel,
          'gen_ai.usage.input_tokens': answer.usage.inputTokens,
          'gen_ai.usage.output_tokens': answer.usage.outputTokens,
          ...(answer.usage.reasoningTokens === undefined
            ? {}
            : { 'gen_ai.usage.reasoning_tokens': answer.usage.reasoningTokens }),
          ...(answer.usage.cachedInputTokens === undefined
            ? {}
            : { 'gen_ai.usage.cache_read.input_tokens': answer.usage.cachedInputTokens }),
        });
        return answer;
      } catch (error) {
        fail(span, error);
        throw error;
      } finally {
        span.end();
      }
    },
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
