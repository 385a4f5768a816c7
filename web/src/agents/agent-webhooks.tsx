import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../shell/api-client.ts';
import type { AgentView, WebhookView } from '../shell/api-types.ts';
import { ConfirmDialog } from '../shell/confirm-dialog.tsx';
import { EmptyState, ErrorBanner } from '../shell/empty-state.tsx';
import { bannerError, FormField, fieldMessage } from '../shell/form-field.tsx';
import { timeAgo } from '../shell/format-time.ts';
import { SecretOnce } from '../shell/secret-once.tsx';

/**
 * An agent's webhooks (T2): a URL that starts a run from a signed request (Standard Webhooks), each
 * variable read from the JSON body by a JSON Pointer. The secret is shown once, at creation and at
 * each rotation.
 */
export function AgentWebhooks({ agent, canWrite }: { agent: AgentView; canWrite: boolean }) {
  const queryClient = useQueryClient();
  const key = ['webhooks', agent.id];
  const webhooks = useQuery({
    queryKey: key,
    queryFn: () => api<{ items: WebhookView[] }>('GET', `/api/agents/${agent.id}/webhooks`),
  });
  const [secret, setSecret] = useState<{ name: string; secret: string }>();
  const [deleting, setDeleting] = useState<WebhookView>();
  const refresh = () => queryClient.invalidateQueries({ queryKey: key });
  const rotate = useMutation({
    mutationFn: (id: string) =>
      api<WebhookView & { secret: string }>('POST', `/api/agents/${agent.id}/webhooks/${id}/rotate-secret`),
    onSuccess: (hook) => setSecret({ name: hook.name, secret: hook.secret }),
  });
  const remove = useMutation({
    mutationFn: (id: string) => api('DELETE', `/api/agents/${agent.id}/webhooks/${id}`),
    onSuccess: () => {
      setSecret(undefined);
      void refresh();
    },
  });
  const origin = window.location.origin;
  return (
    <div className="editor-section">
      <ErrorBanner error={webhooks.error ?? rotate.error ?? remove.error} />
      {secret ? (
        <SecretOnce
          title={`Signing secret of “${secret.name}”: copy it now, it is not shown again.`}
          secret={secret.secret}
          testId="webhook-secret"
        />
      ) : null}
      <section className="card" aria-labelledby="webhooks-title">
        <div className="card-header">
          <h2 id="webhooks-title">Webhooks</h2>
          <span className="muted">Signed with Standard Webhooks headers</span>
        </div>
        {webhooks.data && webhooks.data.items.length === 0 ? (
          <EmptyState title="No webhooks">
            A webhook gives other systems a URL that starts a run of this agent.
          </EmptyState>
        ) : (
          <div className="table-scroll">
            <table className="simple" aria-label="Webhooks">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">URL</th>
                  <th scope="col">Variables</th>
                  <th scope="col">Created</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {webhooks.data?.items.map((w) => (
                  <tr key={w.id} data-webhook={w.name}>
                    <td>{w.name}</td>
                    <td>
                      <code className="break">{`${origin}${w.url}`}</code>
                    </td>
                    <td>
                      {Object.entries(w.variables).length === 0 ? (
                        <span className="muted">none</span>
                      ) : (
                        <ul className="plain-list">
                          {Object.entries(w.variables).map(([name, pointer]) => (
                            <li key={name}>
                              {name} ← <code>{pointer || '(whole body)'}</code>
                            </li>
                          ))}
                        </ul>
                      )}
                    </td>
                    <td>{timeAgo(w.createdAt)}</td>
                    <td className="row-buttons">
                      {canWrite ? (
                        <>
                          <button
                            type="button"
                            className="btn btn-sm"
                            aria-label={`Rotate the secret of ${w.name}`}
                            onClick={() => rotate.mutate(w.id)}
                          >
                            Rotate secret
                          </button>
                          <button
                            type="button"
                            className="btn btn-sm btn-danger"
                            aria-label={`Delete ${w.name}`}
                            onClick={() => setDeleting(w)}
                          >
                            Delete
                          </button>
                        </>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {canWrite ? (
        <NewWebhook
          agent={agent}
          onCreated={(hook) => {
            setSecret({ name: hook.name, secret: hook.secret });
            void refresh();
          }}
        />
      ) : null}
      <ConfirmDialog
        open={deleting !== undefined}
        title={`Delete the webhook ${deleting?.name ?? ''}?`}
        description="Requests to its URL are refused from now on."
        keepLabel="Keep it"
        confirmLabel="Delete webhook"
        onClose={() => setDeleting(undefined)}
        onConfirm={() => deleting && remove.mutate(deleting.id)}
      />
    </div>
  );
}

function NewWebhook({
  agent,
  onCreated,
}: {
  agent: AgentView;
  onCreated(hook: WebhookView & { secret: string }): void;
}) {
  const [name, setName] = useState('');
  const [pointers, setPointers] = useState<Record<string, string>>({});
  const create = useMutation({
    mutationFn: () =>
      api<WebhookView & { secret: string }>('POST', `/api/agents/${agent.id}/webhooks`, {
        ...(name.trim() ? { name } : {}),
        variables: Object.fromEntries(Object.entries(pointers).filter(([, p]) => p !== '')),
      }),
    onSuccess: (hook) => {
      setName('');
      setPointers({});
      onCreated(hook);
    },
  });
  return (
    <form
      className="card"
      aria-labelledby="new-webhook-title"
      onSubmit={(event) => {
        event.preventDefault();
        create.mutate();
      }}
    >
      <div className="card-header">
        <h2 id="new-webhook-title">Add a webhook</h2>
      </div>
      <div className="card-body">
        <FormField
          id="webhook-name"
          label="Webhook name"
          hint="Optional"
          message={fieldMessage(create.error, 'name')}
        >
          <input type="text" value={name} onChange={(e) => setName(e.target.value)} />
        </FormField>
        {agent.variables.length > 0 ? (
          <div className="grid-2">
            {agent.variables.map((v) => (
              <FormField
                key={v.name}
                id={`webhook-var-${v.name}`}
                label={`${v.name} from`}
                hint="JSON Pointer into the request body, e.g. /customer/name"
                message={fieldMessage(create.error, `variables.${v.name}`)}
              >
                <input
                  type="text"
                  value={pointers[v.name] ?? ''}
                  placeholder={`/${v.name}`}
                  onChange={(e) => setPointers({ ...pointers, [v.name]: e.target.value })}
                />
              </FormField>
            ))}
          </div>
        ) : null}
        <ErrorBanner error={bannerError(create.error)} />
        <div>
          <button type="submit" className="btn btn-primary" disabled={create.isPending}>
            Add webhook
          </button>
        </div>
      </div>
    </form>
  );
}
