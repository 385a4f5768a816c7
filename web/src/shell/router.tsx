import { createRootRoute, createRoute, createRouter, redirect } from '@tanstack/react-router';
import { AgentEditorPage } from '../agents/agent-editor-page.tsx';
import { AgentsPage } from '../agents/agents-page.tsx';
import { AgentBenchmarkPage } from '../benchmarks/agent-benchmark-page.tsx';
import { BenchmarksPage } from '../benchmarks/benchmarks-page.tsx';
import { GovernancePage, parseGovernanceSearch } from '../governance/governance-page.tsx';
import { RunDetailsPage } from '../runs/run-details-page.tsx';
import { RunsPage } from '../runs/runs-page.tsx';
import { parseRunsSearch } from '../runs/runs-search.ts';
import { SettingsPage } from '../settings/settings-page.tsx';
import { SitePage } from '../sites/site-page.tsx';
import { SitesPage } from '../sites/sites-page.tsx';
import { AppShell } from './app-shell.tsx';
import { EmptyState } from './empty-state.tsx';

const rootRoute = createRootRoute({
  component: AppShell,
  notFoundComponent: () => (
    <div className="page">
      <EmptyState title="Page not found">There is nothing at this address.</EmptyState>
    </div>
  ),
});

const indexRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/',
  beforeLoad: () => {
    throw redirect({ to: '/runs' });
  },
});

export const runsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/runs',
  validateSearch: parseRunsSearch,
  component: RunsPage,
});

export const runDetailsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/runs/$runId',
  component: RunDetailsPage,
});

const agentsRoute = createRoute({ getParentRoute: () => rootRoute, path: '/agents', component: AgentsPage });

export const newAgentRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/agents/new',
  component: AgentEditorPage,
});

/** The tabs of an agent's page. */
export const agentTabs = ['edit', 'versions', 'schedules', 'webhooks'] as const;
export type AgentTab = (typeof agentTabs)[number];

export const agentRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/agents/$agentId',
  validateSearch: (search: Record<string, unknown>): { tab?: AgentTab | undefined } => ({
    tab: agentTabs.find((t) => t === search.tab),
  }),
  component: AgentEditorPage,
});

export const agentBenchmarkRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/agents/$agentId/benchmarks',
  component: AgentBenchmarkPage,
});

const benchmarksRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/benchmarks',
  component: BenchmarksPage,
});

const settingsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/settings',
  component: SettingsPage,
});

const sitesRoute = createRoute({ getParentRoute: () => rootRoute, path: '/sites', component: SitesPage });

export const siteRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/sites/$siteId',
  component: SitePage,
});

export const governanceRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/governance',
  validateSearch: parseGovernanceSearch,
  component: GovernancePage,
});

const routeTree = rootRoute.addChildren([
  indexRoute,
  runsRoute,
  runDetailsRoute,
  agentsRoute,
  newAgentRoute,
  agentRoute,
  agentBenchmarkRoute,
  benchmarksRoute,
  settingsRoute,
  sitesRoute,
  siteRoute,
  governanceRoute,
]);

export const router = createRouter({ routeTree, defaultPreload: 'intent', scrollRestoration: true });

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}
