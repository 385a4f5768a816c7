import { Link } from '@tanstack/react-router';
import { useAgent } from '../agents/use-agents.ts';
import { EmptyState, ErrorBanner } from '../shell/empty-state.tsx';
import { roleCan } from '../shell/permissions.ts';
import { agentBenchmarkRoute } from '../shell/router.tsx';
import { useMe } from '../shell/use-me.ts';
import { BenchmarkConfigCard } from './benchmark-config-card.tsx';
import { BenchmarkDashboardCard } from './benchmark-dashboard-card.tsx';
import { DatasetRunsCard } from './dataset-runs-card.tsx';
import { useAgentBenchmarks } from './use-benchmarks.ts';
import './benchmarks.css';

/** An agent's benchmark (B1), its quality dashboards (B3) and its dataset runs. */
export function AgentBenchmarkPage() {
  const { agentId } = agentBenchmarkRoute.useParams();
  const agent = useAgent(agentId);
  const data = useAgentBenchmarks(agentId);
  const role = useMe().data?.role;
  if (data.isPending || agent.isPending) return <div className="page muted">Loading…</div>;
  if (data.isError || agent.isError)
    return (
      <div className="page">
        <ErrorBanner error={data.error ?? agent.error} />
        <EmptyState title="Benchmark not available">The agent may not exist.</EmptyState>
      </div>
    );
  const { benchmark, dashboard } = data.data;
  return (
    <div className="page">
      <header className="page-header">
        <div className="title">
          <h1>Benchmark: {agent.data.name}</h1>
          <p className="subtitle" style={{ margin: 0 }}>
            <Link to="/agents/$agentId" params={{ agentId }} search={{}}>
              Agent (v{agent.data.version})
            </Link>{' '}
            · writing quality, custom criteria, reference cases and dashboards
          </p>
        </div>
      </header>
      <div className="benchmark-grid">
        <BenchmarkDashboardCard dashboard={dashboard} />
        <BenchmarkConfigCard
          agentId={agentId}
          benchmark={benchmark}
          canEdit={roleCan(role, 'agents.write')}
        />
        <DatasetRunsCard
          agentId={agentId}
          latestVersion={agent.data.version}
          caseCount={benchmark.cases.length}
          canRun={roleCan(role, 'runs.start')}
        />
      </div>
    </div>
  );
}
