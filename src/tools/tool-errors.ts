import { AppError } from '../platform/errors.ts';

/**
 * A tool call refused before it ran: `rule` names what refused it (`policy.toolAccess`,
 * `step.tools`, `toolSettings.allowedHosts`, `toolSettings.allowPrivateAddresses`,
 * `http_request.scheme`, `mcpServer.allowPrivateAddresses`…). It fails the step, and the call is
 * recorded with the rule.
 */
export class ToolRefusal extends AppError {
  constructor(
    readonly rule: string,
    message: string,
  ) {
    super('forbidden', `tool call refused by rule ${rule}: ${message}`);
  }
}

/**
 * A tool that broke: an MCP server that crashed, hung or answered garbage; a request that failed.
 * An upstream failure, like a provider's (502 when an API route meets one).
 */
export class ToolFailure extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('provider_error', message, 'provider', [], options);
  }
}
