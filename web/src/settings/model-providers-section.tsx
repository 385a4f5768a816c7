import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../shell/api-client.ts';
import type { NamedProviderView } from '../shell/api-types.ts';
import { useConfirmedDelete } from '../shell/confirmed-delete.tsx';
import { ErrorBanner } from '../shell/empty-state.tsx';
import { bannerError, FormField, fieldMessage } from '../shell/form-field.tsx';
import { timeAgo } from '../shell/format-time.ts';

interface ProvidersAnswer {
  builtIn: Array<{ id: string; configured: boolean; simulated: boolean }>;
  items: NamedProviderView[];
}

/**
 * Settings > Model providers (administrators): the built-in providers the server environment
 * configures, and named OpenAI-compatible endpoints (Ollama, vLLM, LM Studio, Azure) to add, change
 * and remove. A key is sent once and only its last four characters ever come back.
 */
export function ModelProvidersSection() {
  const queryClient = useQueryClient();
  const providers = useQuery({
    queryKey: ['providers'],
    queryFn: () => api<ProvidersAnswer>('GET', '/api/settings/providers'),
  });
  const [form, setForm] = useState({ name: '', baseUrl: '', apiKey: '' });
  const [editing, setEditing] = useState<string>();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['providers'] });
  const add = useMutation({
    mutationFn: () =>
      api<NamedProviderView>('POST', '/api/settings/providers', {
        name: form.name,
        baseUrl: form.baseUrl,
        ...(form.apiKey ? { apiKey: form.apiKey } : {}),
      }),
    onSuccess: () => {
      setForm({ name: '', baseUrl: '', apiKey: '' });
      void refresh();
    },
  });
  const remove = useConfirmedDelete<string>({
    remove: (name) => api('DELETE', `/api/settings/providers/${encodeURIComponent(name)}`),
    queryKey: ['providers'],
    title: (name) => `Delete the provider ${name}?`,
    description: "Agents whose model starts with this provider's name fail until it is added again.",
    confirmLabel: 'Delete provider',
  });

  return (
    <section className="card" id="providers" aria-labelledby="providers-title">
      <div className="card-header">
        <h2 id="providers-title">Model providers and keys</h2>
        <span className="muted">Keys are encrypted at rest and never shown whole</span>
      </div>
      <div className="card-body">
        <ErrorBanner error={providers.error ?? remove.error} />
        {providers.data ? (
          <ul className="chip-list" aria-label="Built-in providers">
            {providers.data.builtIn.map((p) => (
              <li key={p.id} className="pill" data-configured={p.configured}>
                {p.id} ·{' '}
                {p.simulated ? 'offline simulation' : p.configured ? 'configured' : 'no key in environment'}
              </li>
            ))}
          </ul>
        ) : null}
        {providers.data && providers.data.items.length > 0 ? (
          <div className="table-scroll">
            <table className="simple" aria-label="Named providers">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Base URL</th>
                  <th scope="col">Key</th>
                  <th scope="col">Updated</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {providers.data.items.map((p) =>
                  editing === p.name ? (
                    <tr key={p.id}>
                      <td colSpan={5}>
                        <EditProvider provider={p} onDone={() => setEditing(undefined)} />
                      </td>
                    </tr>
                  ) : (
                    <tr key={p.id} data-provider={p.name}>
                      <td>
                        <strong>{p.name}</strong>
                        <div className="muted">models: {p.modelPrefix}…</div>
                      </td>
                      <td className="break">{p.baseUrl}</td>
                      <td>
                        <code data-testid={`key-${p.name}`}>{p.apiKey ?? 'none'}</code>
                      </td>
                      <td>{timeAgo(p.updatedAt)}</td>
                      <td className="row-buttons">
                        <button
                          type="button"
                          className="btn btn-sm"
                          aria-label={`Edit provider ${p.name}`}
                          onClick={() => setEditing(p.name)}
                        >
                          Edit
                        </button>
                        <button
                          type="button"
                          className="btn btn-sm btn-danger"
                          aria-label={`Delete provider ${p.name}`}
                          onClick={() => remove.ask(p.name)}
                        >
                          Delete
                        </button>
                      </td>
                    </tr>
                  ),
                )}
              </tbody>
            </table>
          </div>
        ) : null}
        <form
          className="editor-section"
          aria-label="Add a provider"
          onSubmit={(event) => {
            event.preventDefault();
            add.mutate();
          }}
        >
          <h3 className="section-title">Add an OpenAI-compatible provider</h3>
          <div className="grid-3">
            <FormField
              id="provider-name"
              label="Provider name"
              hint="Model ids start with it: ollama/llama3"
              message={fieldMessage(add.error, 'name')}
            >
              <input
                type="text"
                value={form.name}
                placeholder="ollama"
                onChange={(e) => setForm({ ...form, name: e.target.value })}
              />
            </FormField>
            <FormField id="provider-url" label="Base URL" message={fieldMessage(add.error, 'baseUrl')}>
              <input
                type="url"
                value={form.baseUrl}
                placeholder="http://localhost:11434/v1"
                onChange={(e) => setForm({ ...form, baseUrl: e.target.value })}
              />
            </FormField>
            <FormField
              id="provider-key"
              label="API key"
              hint="Optional"
              message={fieldMessage(add.error, 'apiKey')}
            >
              <input
                type="password"
                autoComplete="off"
                value={form.apiKey}
                onChange={(e) => setForm({ ...form, apiKey: e.target.value })}
              />
            </FormField>
          </div>
          <ErrorBanner error={bannerError(add.error)} />
          <div>
            <button type="submit" className="btn btn-primary" disabled={add.isPending}>
              Add provider
            </button>
          </div>
        </form>
      </div>
      {remove.dialog}
    </section>
  );
}

/** Change a provider's base URL, replace its key, or remove the key. */
function EditProvider({ provider, onDone }: { provider: NamedProviderView; onDone(): void }) {
  const queryClient = useQueryClient();
  const [baseUrl, setBaseUrl] = useState(provider.baseUrl);
  const [apiKey, setApiKey] = useState('');
  const [removeKey, setRemoveKey] = useState(false);
  const save = useMutation({
    mutationFn: () =>
      api('PATCH', `/api/settings/providers/${encodeURIComponent(provider.name)}`, {
        baseUrl,
        ...(removeKey ? { apiKey: null } : apiKey ? { apiKey } : {}),
      }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['providers'] });
      onDone();
    },
  });
  const id = `edit-${provider.name}`;
  return (
    <form
      className="editor-section"
      aria-label={`Edit provider ${provider.name}`}
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate();
      }}
    >
      <strong>{provider.name}</strong>
      <div className="grid-2">
        <FormField id={`${id}-url`} label="Base URL" message={fieldMessage(save.error, 'baseUrl')}>
          <input type="url" value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} />
        </FormField>
        <FormField
          id={`${id}-key`}
          label="New API key"
          hint={`Blank keeps the current key (${provider.apiKey ?? 'none'})`}
          message={fieldMessage(save.error, 'apiKey')}
        >
          <input
            type="password"
            autoComplete="off"
            value={apiKey}
            disabled={removeKey}
            onChange={(e) => setApiKey(e.target.value)}
          />
        </FormField>
      </div>
      {provider.apiKey ? (
        <label className="check">
          <input type="checkbox" checked={removeKey} onChange={(e) => setRemoveKey(e.target.checked)} />{' '}
          Remove the key
        </label>
      ) : null}
      <ErrorBanner error={bannerError(save.error)} />
      <div className="row-buttons" style={{ justifyContent: 'flex-start' }}>
        <button type="submit" className="btn btn-primary btn-sm" disabled={save.isPending}>
          Save provider
        </button>
        <button type="button" className="btn btn-sm" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
