import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, Outlet } from '@tanstack/react-router';
import { useEffect } from 'react';
import { suggestedModels } from '../agents/model-options.ts';
import { api, setUnauthorizedHandler } from './api-client.ts';
import { type Permission, roleCan } from './permissions.ts';
import { SignInPage } from './sign-in-page.tsx';
import { effectiveTheme, setTheme, useTheme } from './theme.ts';
import { useMe } from './use-me.ts';

const nav = [
  { to: '/runs', label: 'Runs' },
  { to: '/agents', label: 'Agents' },
  { to: '/sites', label: 'Sites' },
  { to: '/governance', label: 'Governance', permission: 'governance.review' },
  { to: '/benchmarks', label: 'Benchmarks' },
  { to: '/settings', label: 'Settings' },
] as const satisfies ReadonlyArray<{ to: string; label: string; permission?: Permission }>;

/** The frame of every page: navigation, who is signed in, the theme toggle; Sign in when nobody is. */
export function AppShell() {
  const me = useMe();
  const queryClient = useQueryClient();
  useEffect(() => {
    setUnauthorizedHandler(() => queryClient.setQueryData(['me'], null));
  }, [queryClient]);
  const signOut = useMutation({
    mutationFn: () => api('POST', '/api/auth/logout'),
    onSettled: () => {
      queryClient.clear();
      queryClient.setQueryData(['me'], null);
    },
  });

  if (me.isPending) return <div className="signin" aria-busy="true" />;
  if (!me.data) return <SignInPage />;
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <nav className="sidebar" aria-label="Main">
        <Link to="/runs" className="brand">
          <span className="brand-mark" aria-hidden="true">
            ▲
          </span>
          <span className="brand-name">Agent Runs</span>
        </Link>
        {nav
          .filter((item) => !('permission' in item) || roleCan(me.data?.role, item.permission))
          .map((item) => (
            <Link
              key={item.to}
              to={item.to}
              className="nav-link"
              activeProps={{ 'aria-current': 'page' }}
              activeOptions={{ includeSearch: false }}
            >
              {item.label}
            </Link>
          ))}
        <div className="sidebar-footer">
          <div className="user-line">
            <span className="email" title={me.data.email}>
              {me.data.email}
            </span>
            <span className="role">{me.data.role}</span>
          </div>
          <ThemeToggle />
          <button type="button" className="btn btn-ghost btn-sm" onClick={() => signOut.mutate()}>
            Sign out
          </button>
        </div>
      </nav>
      <div className="main" id="main" tabIndex={-1}>
        <Outlet />
      </div>
      <datalist id="known-models">
        {suggestedModels.map((m) => (
          <option key={m} value={m} />
        ))}
      </datalist>
    </div>
  );
}

function ThemeToggle() {
  const choice = useTheme();
  const shown = effectiveTheme(choice);
  const next = shown === 'dark' ? 'light' : 'dark';
  return (
    <button
      type="button"
      className="btn btn-ghost btn-sm"
      aria-label={`Switch to ${next} theme`}
      title={`Switch to ${next} theme`}
      onClick={() => setTheme(next)}
    >
      <span aria-hidden="true">{shown === 'dark' ? '☀' : '☾'}</span>
      <span className="hide-narrow">{shown === 'dark' ? 'Light' : 'Dark'}</span>
    </button>
  );
}
