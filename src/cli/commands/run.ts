import { ValidationError } from '../../platform/errors.ts';
import type { RunDetails, RunSummary } from '../../runs/run-view.ts';
import type { ApiClient } from '../api-client.ts';
import { exitCodeOfRunStatus } from '../exit-code.ts';

interface AgentListItem {
  id: string;
  name: string;
}

/** An agent by id, or by exact name (case-insensitive) when exactly one agent has it. */
export async function findAgentOrThrow(api: ApiClient, ref: string): Promise<AgentListItem> {
  if (/^agt_[0-9A-Z]{26}$/.test(ref)) return api.request<AgentListItem>('GET', `/api/agents/${ref}`);
  const { items } = await api.request<{ items: AgentListItem[] }>(
    'GET',
    `/api/agents?limit=200&q=${encodeURIComponent(ref)}`,
  );
  const matches = items.filter((a) => a.name.toLowerCase() === ref.toLowerCase());
  if (matches.length === 1 && matches[0]) return matches[0];
  if (matches.length > 1)
    throw ValidationError.field('agent', `${matches.length} agents are named "${ref}"; pass an id`);
  const names = items.map((a) => `"${a.name}"`).join(', ');
  throw ValidationError.field(
    'agent',
    `no agent is named "${ref}"${names ? `; did you mean one of ${names}?` : ''}`,
  );
}

/** `--var k=v` pairs as an object; a repeated name keeps the last value. */
export function parseVars(pairs: readonly string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw ValidationError.field('--var', `"${pair}" must look like name=value`);
    vars[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return vars;
}

/**
 * `agentruns run <agent> --var k=v [--wait]`: starts a run; with --wait, prints each step as it
 * finishes and the final output, and exits 0 on completed, 1 on failed, 2 on canceled.
 */
export async function runAgent(
  api: ApiClient,
  ref: string,
  options: { vars: string[]; wait: boolean; name?: string; json: boolean },
  out: (line: string) => void,
): Promise<number> {
  const agent = await findAgentOrThrow(api, ref);
  const run = await api.request<RunDetails>('POST', `/api/agents/${agent.id}/runs`, {
    variables: parseVars(options.vars),
    ...(options.name ? { name: options.name } : {}),
  });
  const simulated = run.simulated ? ' [simulated model]' : '';
  if (!options.wait) {
    out(
      options.json
        ? JSON.stringify(run)
        : `Started ${run.name} (${run.id})${simulated}, estimated ${run.estimatedCredits} credits`,
    );
    return 0;
  }
  if (!options.json)
    out(`Started ${run.name} (${run.id})${simulated}, estimated ${run.estimatedCredits} credits`);
  const started = Date.now();
  await api.stream(`/api/runs/${run.id}/events?untilDone=1`, (message) => {
    if (options.json) return;
    const { data } = JSON.parse(message.data) as { data: Record<string, unknown> };
    if (message.event === 'step.started') out(`  ▸ ${String(data.statusText)}`);
    if (message.event === 'step.finished') {
      const mark = data.status === 'completed' ? '✓' : '✗';
      const detail = data.status === 'completed' ? `${String(data.credits)} credits` : String(data.error);
      out(`  ${mark} Step ${String(data.number)} ${String(data.name)} (${detail})`);
    }
  });
  const final = await api.request<RunDetails>('GET', `/api/runs/${run.id}`);
  if (options.json) {
    out(JSON.stringify(final));
  } else {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    out(`${final.statusText} in ${seconds}s, ${final.actualCredits ?? 0} credits`);
    if (final.error) out(`Error: ${final.error}`);
    if (final.output) out(`\n${final.output}`);
  }
  return exitCodeOfRunStatus(final.status);
}

/** `agentruns runs list`: a table of the newest runs. */
export async function listRunsCommand(
  api: ApiClient,
  options: { status?: string; agent?: string; q?: string; limit: number; json: boolean },
  out: (line: string) => void,
): Promise<void> {
  const params = new URLSearchParams({ limit: String(options.limit) });
  if (options.status) params.set('status', options.status);
  if (options.q) params.set('q', options.q);
  if (options.agent) params.set('agentId', (await findAgentOrThrow(api, options.agent)).id);
  const { items } = await api.request<{ items: RunSummary[] }>('GET', `/api/runs?${params}`);
  if (options.json) {
    out(JSON.stringify(items));
    return;
  }
  if (items.length === 0) {
    out('No runs yet.');
    return;
  }
  const rows = items.map((r) => [
    r.id,
    r.status,
    r.name,
    r.updatedAt.replace('T', ' ').slice(0, 19),
    String(r.stepCount),
  ]);
  const header = ['ID', 'STATUS', 'NAME', 'UPDATED', 'STEPS'];
  const widths = header.map((h, i) =>
    Math.min(48, Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length))),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.slice(0, widths[i]).padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  out(line(header));
  for (const row of rows) out(line(row));
}
