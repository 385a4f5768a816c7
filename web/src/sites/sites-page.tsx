import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import '../settings/settings.css';
import { api } from '../shell/api-client.ts';
import type { SiteView } from '../shell/api-types.ts';
import { Dialog } from '../shell/dialog.tsx';
import { EmptyState, ErrorBanner } from '../shell/empty-state.tsx';
import { bannerError, FormField, fieldMessage } from '../shell/form-field.tsx';
import { formatTime, timeAgo } from '../shell/format-time.ts';
import { roleCan } from '../shell/permissions.ts';
import { useMe } from '../shell/use-me.ts';
import { useSites } from './use-sites.ts';

/** Sites: collections of documents that steps search and cite (SPEC Sites). */
export function SitesPage() {
  const role = useMe().data?.role;
  const canManage = roleCan(role, 'sites.manage');
  const [archived, setArchived] = useState<'false' | 'true'>('false');
  const sites = useSites(archived);
  const [creating, setCreating] = useState(false);
  return (
    <div className="page">
      <header className="page-header">
        <div className="title">
          <h1>Sites</h1>
          <p className="subtitle" style={{ margin: 0 }}>
            Documents your agents search and cite.
          </p>
        </div>
        <div className="actions">
          <select
            aria-label="Show"
            value={archived}
            onChange={(e) => setArchived(e.target.value as 'false' | 'true')}
          >
            <option value="false">Active Sites</option>
            <option value="true">Archived Sites</option>
          </select>
          {canManage ? (
            <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
              New Site
            </button>
          ) : null}
        </div>
      </header>
      <ErrorBanner error={sites.error} />
      {sites.isPending ? (
        <p className="muted" aria-busy="true">
          Loading Sites…
        </p>
      ) : sites.data && sites.data.items.length === 0 ? (
        <div className="card">
          <EmptyState
            title={archived === 'true' ? 'No archived Sites' : 'No Sites yet'}
            action={
              canManage && archived === 'false' ? (
                <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
                  Create a Site
                </button>
              ) : undefined
            }
          >
            A Site holds documents (PDF, Word, text, spreadsheets). Steps of an agent with the Site search
            them and cite what they used.
          </EmptyState>
        </div>
      ) : (
        <div className="card">
          <div className="table-scroll">
            <table className="simple" aria-label="Sites">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col" className="num">
                    Documents
                  </th>
                  <th scope="col">Extraction</th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {sites.data?.items.map((site) => {
                  const pending = site.documents.filter(
                    (d) => d.status === 'queued' || d.status === 'extracting',
                  ).length;
                  const failed = site.documents.filter((d) => d.status === 'failed').length;
                  return (
                    <tr key={site.id} data-site={site.name}>
                      <td>
                        <Link to="/sites/$siteId" params={{ siteId: site.id }}>
                          <strong>{site.name}</strong>
                        </Link>
                        {site.description ? <div className="muted break">{site.description}</div> : null}
                      </td>
                      <td className="num">{site.documentCount}</td>
                      <td>{pending ? `${pending} extracting` : failed ? `${failed} failed` : 'All ready'}</td>
                      <td title={formatTime(site.updatedAt)}>{timeAgo(site.updatedAt)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </div>
      )}
      {creating ? <CreateSiteDialog onClose={() => setCreating(false)} /> : null}
    </div>
  );
}

function CreateSiteDialog({ onClose }: { onClose(): void }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const create = useMutation({
    mutationFn: () => api<SiteView>('POST', '/api/sites', { name, description }),
    onSuccess: (site) => {
      void queryClient.invalidateQueries({ queryKey: ['sites'] });
      onClose();
      void navigate({ to: '/sites/$siteId', params: { siteId: site.id } });
    },
  });
  return (
    <Dialog
      open
      title="New Site"
      description="Name it for what its documents are about; you add the documents next."
      onClose={onClose}
      onSubmit={() => create.mutate()}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={create.isPending}>
            Create Site
          </button>
        </>
      }
    >
      <div className="editor-section">
        <FormField id="site-name" label="Site name" message={fieldMessage(create.error, 'name')}>
          <input type="text" value={name} onChange={(e) => setName(e.target.value)} />
        </FormField>
        <FormField
          id="site-description"
          label="Description"
          message={fieldMessage(create.error, 'description')}
        >
          <textarea rows={2} value={description} onChange={(e) => setDescription(e.target.value)} />
        </FormField>
        <ErrorBanner error={bannerError(create.error)} />
      </div>
    </Dialog>
  );
}
