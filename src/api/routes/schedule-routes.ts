import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import {
  createSchedule,
  deleteSchedule,
  getScheduleOrThrow,
  listSchedules,
  scheduleInputSchema,
  schedulePatchSchema,
  updateSchedule,
} from '../../triggers/schedule-service.ts';
import { defineRoute, type Route } from '../route.ts';

const agentParams = z.object({ id: z.string().min(1) });
const scheduleParams = z.object({ id: z.string().min(1), scheduleId: z.string().min(1) });

/** Schedules of an agent (T1); `agentruns serve` fires them. */
export function scheduleRoutes(deps: Deps): Route[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/agents/:id/schedules',
      summary: "An agent's schedules, each with its next five fire times",
      tag: 'triggers',
      permission: 'agents.read',
      params: agentParams,
      handler: async ({ actor, params }) => ({ items: await listSchedules(deps, actor, params.id) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/agents/:id/schedules',
      summary: 'Add a schedule: cron expression, IANA time zone, variables, overlap and catch-up policies',
      tag: 'triggers',
      permission: 'agents.write',
      status: 201,
      params: agentParams,
      body: scheduleInputSchema,
      handler: ({ actor, params, body }) => createSchedule(deps, actor, params.id, body),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/agents/:id/schedules/:scheduleId',
      summary: 'One schedule',
      tag: 'triggers',
      permission: 'agents.read',
      params: scheduleParams,
      handler: ({ actor, params }) => getScheduleOrThrow(deps, actor, params.id, params.scheduleId),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/agents/:id/schedules/:scheduleId',
      summary: 'Change a schedule (enabled: false pauses it)',
      tag: 'triggers',
      permission: 'agents.write',
      params: scheduleParams,
      body: schedulePatchSchema,
      handler: ({ actor, params, body }) => updateSchedule(deps, actor, params.id, params.scheduleId, body),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/agents/:id/schedules/:scheduleId',
      summary: 'Delete a schedule (the runs it made stay)',
      tag: 'triggers',
      permission: 'agents.write',
      status: 204,
      params: scheduleParams,
      handler: ({ actor, params }) => deleteSchedule(deps, actor, params.id, params.scheduleId),
    }),
  ];
}
