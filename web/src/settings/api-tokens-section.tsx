import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError, api } from '../shell/api-client.ts';
import type { ApiTokenView } from '../shell/api-types.ts';
import { ErrorBanner } from '../shell/empty-state.tsx';
import { formatTime, timeAgo } from '../shell/format-time.ts';

/** Settings > API tokens: create one (shown once), see when each was last used, revoke. */
export function ApiTokensSection() {
  const queryClient = useQueryClient();
  const tokens = useQuery({
    queryKey: ['tokens'],
    queryFn: () => api<{ items: ApiTokenView[] }>('GET', '/api/tokens?all=true'),
  });
  const [name, setName] = useState('');
  const [created, setCreated] = useState<{ name: string; token: string }>();
  const [copied, setCopied] = useState(false);
  const create = useMutation({
    mutationFn: () => api<{ id: string; name: string; token: string }>('POST', '/api/tokens', { name }),
    onSuccess: (token) => {
      setCreated(token);
      setCopied(false);
      setName('');
      void queryClient.invalidateQueries({ queryKey: ['tokens'] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api('DELETE', `/api/tokens/${id}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['tokens'] }),
  });
  const nameError = create.error instanceof ApiError ? create.error.fieldMessage('name') : undefined;

  return (
    <section className="card" id="tokens" aria-labelledby="tokens-title">
      <div className="card-header">
        <h2 id="tokens-title">API tokens</h2>
        <span className="muted">For the CLI and the REST API</span>
      </div>
      <div className="card-body">
        <form
          className="toolbar"
          onSubmit={(event) => {
            event.preventDefault();
            create.mutate();
          }}
        >
          <div className="field" style={{ flex: '1 1 240px' }}>
            <label htmlFor="token-name">New token name</label>
            <input
              id="token-name"
              type="text"
              value={name}
              placeholder="e.g. CI pipeline"
              aria-invalid={nameError ? true : undefined}
              onChange={(e) => setName(e.target.value)}
            />
            {nameError ? <span className="field-error">{nameError}</span> : null}
          </div>
          <button
            type="submit"
            className="btn btn-primary"
            style={{ alignSelf: 'flex-end' }}
            disabled={create.isPending}
          >
            Create token
          </button>
        </form>
        {created ? (
          <div className="banner" role="status" style={{ flexDirection: 'column' }}>
            <strong>Copy the token “{created.name}” now: it is not shown again.</strong>
            <div className="token-secret" style={{ width: '100%' }}>
              <code data-testid="new-token">{created.token}</code>
              <button
                type="button"
                className="btn btn-sm"
                onClick={() => {
                  void navigator.clipboard?.writeText(created.token).then(() => setCopied(true));
                }}
              >
                {copied ? 'Copied' : 'Copy'}
              </button>
            </div>
          </div>
        ) : null}
        <ErrorBanner
          error={(create.error && !nameError ? create.error : null) ?? tokens.error ?? revoke.error}
        />
        {tokens.data && tokens.data.items.length === 0 ? (
          <p className="muted" style={{ margin: 0 }}>
            No tokens yet. The CLI also makes one:{' '}
            <code>npx agentruns tokens create --email you@example.com</code>
          </p>
        ) : null}
        {tokens.data && tokens.data.items.length > 0 ? (
          <div className="table-scroll">
            <table className="simple">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">User</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {tokens.data.items.map((t) => (
                  <tr key={t.id}>
                    <td>{t.name}</td>
                    <td>{t.userEmail}</td>
                    <td title={formatTime(t.createdAt)}>{timeAgo(t.createdAt)}</td>
                    <td title={formatTime(t.lastUsedAt)}>{t.lastUsedAt ? timeAgo(t.lastUsedAt) : 'Never'}</td>
                    <td style={{ textAlign: 'right' }}>
                      {t.revokedAt ? (
                        <span className="pill">Revoked</span>
                      ) : (
                        <button
                          type="button"
                          className="btn btn-sm btn-danger"
                          aria-label={`Revoke token ${t.name}`}
                          onClick={() => revoke.mutate(t.id)}
                        >
                          Revoke
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </div>
    </section>
  );
}
