import { Link } from '@tanstack/react-router';
import '../settings/settings.css';
import { EmptyState } from '../shell/empty-state.tsx';
import { roleCan } from '../shell/permissions.ts';
import { governanceRoute } from '../shell/router.tsx';
import { useMe } from '../shell/use-me.ts';
import { ActivityList } from './activity-list.tsx';
import { EvidenceExport } from './evidence-export.tsx';
import './governance.css';
import { VerifyBundle } from './verify-bundle.tsx';

const tabs = [
  ['activity', 'Activity'],
  ['export', 'Evidence export'],
  ['verify', 'Verify a bundle'],
] as const;
type GovernanceTab = (typeof tabs)[number][0];

export function parseGovernanceSearch(search: Record<string, unknown>): { tab?: GovernanceTab | undefined } {
  return { tab: tabs.find(([id]) => id === search.tab)?.[0] };
}

/**
 * Governance (administrators): who did what (audit events and record seals), signed evidence of
 * runs to export and download, and a page that verifies a bundle here in the browser, with the same
 * code as `agentruns verify`, without sending it anywhere.
 */
export function GovernancePage() {
  const role = useMe().data?.role;
  const tab = governanceRoute.useSearch().tab ?? 'activity';
  if (!roleCan(role, 'governance.review'))
    return (
      <div className="page">
        <EmptyState title="Governance is for administrators">
          Your role ({role}) cannot review governance activity or export evidence.
        </EmptyState>
      </div>
    );
  return (
    <div className="page">
      <header className="page-header">
        <div className="title">
          <h1>Governance</h1>
          <p className="subtitle" style={{ margin: 0 }}>
            Audit trail, signed evidence of runs, and offline verification.
          </p>
        </div>
      </header>
      <div className="tabs" role="tablist" aria-label="Governance">
        {tabs.map(([id, label]) => (
          <Link
            key={id}
            to="/governance"
            search={{ tab: id }}
            role="tab"
            className="tab"
            aria-selected={tab === id}
          >
            {label}
          </Link>
        ))}
      </div>
      {tab === 'activity' ? <ActivityList /> : tab === 'export' ? <EvidenceExport /> : <VerifyBundle />}
    </div>
  );
}
