import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import {
  createTokenForUser,
  createTokenInputSchema,
  listTokens,
  revokeToken,
} from '../../identity/api-tokens.ts';
import {
  addUser,
  addUserInputSchema,
  changeUser,
  changeUserInputSchema,
  getUserOrThrow,
  listUsers,
  removeUser,
} from '../../identity/users.ts';
import { defineRoute, type Route } from '../route.ts';

const idParams = z.object({ id: z.string().min(1) });

/** Users (administrators only) and API tokens (everyone's own; administrators see all). */
export function userRoutes(deps: Deps): Route[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/users',
      summary: "The organization's users",
      tag: 'users',
      permission: 'users.manage',
      handler: async ({ actor }) => ({ items: await listUsers(deps, actor), nextCursor: null }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/users',
      summary: 'Add a user; without a password one is generated and returned once as initialPassword',
      tag: 'users',
      permission: 'users.manage',
      status: 201,
      body: addUserInputSchema,
      handler: ({ actor, body }) => addUser(deps, actor, body),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/users/:id',
      summary: 'One user',
      tag: 'users',
      permission: 'users.manage',
      params: idParams,
      handler: ({ actor, params }) => getUserOrThrow(deps, actor, params.id),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/users/:id',
      summary: 'Rename a user or change their role (applies to their sessions and tokens at once)',
      tag: 'users',
      permission: 'users.manage',
      params: idParams,
      body: changeUserInputSchema,
      handler: ({ actor, params, body }) => changeUser(deps, actor, params.id, body),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/users/:id',
      summary: 'Remove a user, their sessions and their tokens',
      tag: 'users',
      permission: 'users.manage',
      status: 204,
      params: idParams,
      handler: async ({ actor, params }) => {
        await removeUser(deps, actor, params.id);
        return undefined;
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/tokens',
      summary: "Your API tokens (administrators: ?all=true for every user's), never the secrets",
      tag: 'tokens',
      permission: 'tokens.manage',
      query: z.object({ all: z.enum(['true', 'false']).default('false') }),
      handler: async ({ actor, query }) => ({
        items: await listTokens(deps, actor, query.all === 'true'),
        nextCursor: null,
      }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/tokens',
      summary: 'Create a named API token for yourself; the token is in this answer only',
      tag: 'tokens',
      permission: 'tokens.manage',
      status: 201,
      body: createTokenInputSchema,
      handler: ({ actor, body }) => createTokenForUser(deps, actor, body.name, actor.userId),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/tokens/:id',
      summary: 'Revoke an API token; the next request with it is refused',
      tag: 'tokens',
      permission: 'tokens.manage',
      params: idParams,
      handler: ({ actor, params }) => revokeToken(deps, actor, params.id),
    }),
  ];
}
