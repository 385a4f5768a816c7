import { roleCan } from '../shell/permissions.ts';
import { useMe } from '../shell/use-me.ts';
import { ApiTokensSection } from './api-tokens-section.tsx';
import { McpServersSection } from './mcp-servers-section.tsx';
import { ModelProvidersSection } from './model-providers-section.tsx';
import { PolicySection } from './policy-section.tsx';
import { PricesSection } from './prices-section.tsx';
import './settings.css';
import { UsersSection } from './users-section.tsx';

/**
 * Settings, by what the role may do: everyone manages their own API tokens and reads the prices
 * and the policy; administrators also change those, and alone see providers, MCP servers and users.
 */
export function SettingsPage() {
  const role = useMe().data?.role;
  const canManage = roleCan(role, 'settings.manage');
  const canManageUsers = roleCan(role, 'users.manage');
  const sections = [
    { id: 'tokens', title: 'API tokens', shown: roleCan(role, 'tokens.manage') },
    { id: 'providers', title: 'Model providers', shown: canManage },
    { id: 'mcp-servers', title: 'MCP servers', shown: canManage },
    { id: 'prices', title: 'Prices', shown: roleCan(role, 'runs.read') },
    { id: 'policy', title: 'Policy', shown: roleCan(role, 'policy.read') },
    { id: 'users', title: 'Users and roles', shown: canManageUsers },
  ].filter((s) => s.shown);
  return (
    <div className="page">
      <header className="page-header">
        <div className="title">
          <h1>Settings</h1>
          <p className="subtitle" style={{ margin: 0 }}>
            {canManage
              ? 'Organization settings.'
              : 'Your API tokens, and the prices and policy in force (administrators change them).'}
          </p>
        </div>
      </header>
      <div className="settings-grid">
        <nav className="settings-nav" aria-label="Settings sections">
          {sections.map((s) => (
            <a key={s.id} className="nav-link" href={`#${s.id}`}>
              {s.title}
            </a>
          ))}
        </nav>
        <div className="settings-sections">
          {roleCan(role, 'tokens.manage') ? <ApiTokensSection /> : null}
          {canManage ? <ModelProvidersSection /> : null}
          {canManage ? <McpServersSection /> : null}
          <PricesSection canEdit={canManage} />
          <PolicySection canEdit={roleCan(role, 'policy.write')} />
          {canManageUsers ? <UsersSection /> : null}
        </div>
      </div>
    </div>
  );
}
