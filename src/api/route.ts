import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Actor } from '../identity/actor.ts';
import type { Permission } from '../identity/permissions.ts';

type Schema = z.ZodType;
type Infer<S> = S extends z.ZodType ? z.infer<S> : undefined;

export interface RouteContext<B, Q, P> {
  actor: Actor;
  body: B;
  query: Q;
  params: P;
  request: FastifyRequest;
  reply: FastifyReply;
}

/**
 * One API route: its zod schemas validate the request and describe it in `/openapi.json`, and
 * `permission` is checked before the handler runs. `auth: 'public'` routes get no actor.
 */
export interface Route<
  B extends Schema | undefined = Schema | undefined,
  Q extends Schema | undefined = Schema | undefined,
  P extends Schema | undefined = Schema | undefined,
> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  summary: string;
  tag: string;
  body?: B;
  query?: Q;
  params?: P;
  /** The success body, for the OpenAPI document. */
  response?: Schema;
  /** The success body's media types when it is not only JSON (a file download), for the OpenAPI document. */
  responseContent?: Record<string, { schema: Record<string, unknown> }>;
  /** Status of a success; 200 unless set. */
  status?: number;
  permission: Permission | 'public' | 'signed-in';
  /** Records a refusal by the permission matrix (e.g. a delete, in the audit log) before the 403. */
  auditRefusal?: (actor: Actor, params: unknown) => Promise<void>;
  handler(context: RouteContext<Infer<B>, Infer<Q>, Infer<P>>): Promise<unknown>;
}

/** Keeps each route's handler typed by its own schemas while routes share one array type. */
export function defineRoute<
  B extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  P extends Schema | undefined = undefined,
>(route: Route<B, Q, P>): Route {
  return route as unknown as Route;
}
