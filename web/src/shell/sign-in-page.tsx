import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError, api } from './api-client.ts';

/**
 * Email and password; a session cookie on success, then whatever page was asked for. An email may
 * have accounts in several organizations: when the password opens more than one, the API asks for
 * `organization` and the page shows that field.
 */
export function SignInPage() {
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [organization, setOrganization] = useState('');
  const [askOrganization, setAskOrganization] = useState(false);
  const signIn = useMutation({
    mutationFn: () =>
      api('POST', '/api/auth/login', { email, password, ...(organization ? { organization } : {}) }),
    onError: (error) => {
      if (error instanceof ApiError && error.details.some((d) => d.path === 'organization'))
        setAskOrganization(true);
    },
    onSuccess: () => queryClient.resetQueries(),
  });
  return (
    <main className="signin">
      <div className="card">
        <form
          className="card-body"
          style={{ gap: 16, padding: 28 }}
          onSubmit={(event) => {
            event.preventDefault();
            signIn.mutate();
          }}
        >
          <div className="brand">
            <span className="brand-mark" aria-hidden="true">
              ▲
            </span>
            <span>Agent Runs</span>
          </div>
          <div>
            <h1>Sign in</h1>
            <p className="muted" style={{ margin: '4px 0 0' }}>
              Use the account your administrator gave you.
            </p>
          </div>
          {signIn.error ? (
            <div className="banner banner-error" role="alert">
              {signIn.error.message}
            </div>
          ) : null}
          <div className="field">
            <label htmlFor="signin-email">Email</label>
            <input
              id="signin-email"
              type="email"
              autoComplete="username"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="signin-password">Password</label>
            <input
              id="signin-password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </div>
          {askOrganization ? (
            <div className="field">
              <label htmlFor="signin-organization">Organization id</label>
              <input
                id="signin-organization"
                required
                value={organization}
                onChange={(e) => setOrganization(e.target.value)}
              />
            </div>
          ) : null}
          <button type="submit" className="btn btn-primary" disabled={signIn.isPending}>
            {signIn.isPending ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      </div>
    </main>
  );
}
