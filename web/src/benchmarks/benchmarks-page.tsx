import { Link } from '@tanstack/react-router';
import { useAgents } from '../agents/use-agents.ts';
import { EmptyState, ErrorBanner } from '../shell/empty-state.tsx';

/** Benchmarks (I1): every agent, each opening its benchmark and quality dashboards. */
export function BenchmarksPage() {
  const agents = useAgents(false);
  return (
    <div className="page">
      <header className="page-header">
        <div className="title">
          <h1>Benchmarks</h1>
          <p className="subtitle" style={{ margin: 0 }}>
            Every agent has the writing-quality benchmark; add criteria and reference cases per agent.
          </p>
        </div>
      </header>
      <ErrorBanner error={agents.error} />
      {agents.data && agents.data.items.length === 0 ? (
        <EmptyState title="No agents yet">Create an agent to benchmark it.</EmptyState>
      ) : (
        <section className="card">
          <ul style={{ margin: 0, padding: 16 }} aria-label="Agents">
            {(agents.data?.items ?? []).map((a) => (
              <li key={a.id}>
                <Link to="/agents/$agentId/benchmarks" params={{ agentId: a.id }}>
                  {a.name}
                </Link>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
