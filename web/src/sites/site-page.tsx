import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import { useState } from 'react';
import '../settings/settings.css';
import { api, apiForm, errorMessage } from '../shell/api-client.ts';
import type { DocumentView, SiteView } from '../shell/api-types.ts';
import { ConfirmDialog } from '../shell/confirm-dialog.tsx';
import { EmptyState, ErrorBanner } from '../shell/empty-state.tsx';
import { formatTime, timeAgo } from '../shell/format-time.ts';
import { roleCan } from '../shell/permissions.ts';
import { useMe } from '../shell/use-me.ts';
import { DocumentDropZone } from './document-drop-zone.tsx';
import { ExtractionBadge } from './extraction-badge.tsx';
import './sites.css';
import { useSite } from './use-sites.ts';

interface Upload {
  /** Two files may share a name: the batch and place tell them apart. */
  id: string;
  name: string;
  state: 'uploading' | 'done' | 'unchanged' | 'failed';
  message?: string;
}

const sizeText = (bytes: number) =>
  bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 ** 2
      ? `${(bytes / 1024).toFixed(1)} kB`
      : `${(bytes / 1024 ** 2).toFixed(1)} MB`;

/** One Site: upload documents (drop or choose), follow their extraction, download or delete them. */
export function SitePage() {
  const { siteId } = useParams({ from: '/sites/$siteId' });
  const site = useSite(siteId);
  const role = useMe().data?.role;
  const canManage = roleCan(role, 'sites.manage');
  const queryClient = useQueryClient();
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [deleting, setDeleting] = useState<DocumentView>();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['site', siteId] });

  const upload = async (files: File[]) => {
    const batch = Date.now();
    setUploads(files.map((f, i) => ({ id: `${batch}-${i}`, name: f.name, state: 'uploading' })));
    // One at a time: the server streams each to storage, and the list shows each as it lands.
    for (const [i, file] of files.entries()) {
      const form = new FormData();
      form.append('file', file, file.name);
      let next: Upload;
      try {
        const answer = await apiForm<{ newVersion: boolean }>(`/api/sites/${siteId}/documents`, form);
        next = { id: `${batch}-${i}`, name: file.name, state: answer.newVersion ? 'done' : 'unchanged' };
      } catch (error) {
        next = { id: `${batch}-${i}`, name: file.name, state: 'failed', message: errorMessage(error) };
      }
      setUploads((list) => list.map((u, j) => (j === i ? next : u)));
      void refresh();
    }
    void queryClient.invalidateQueries({ queryKey: ['sites'] });
  };
  const remove = useMutation({
    mutationFn: (documentId: string) => api('DELETE', `/api/sites/${siteId}/documents/${documentId}`),
    onSuccess: () => {
      void refresh();
      void queryClient.invalidateQueries({ queryKey: ['sites'] });
    },
  });
  const archive = useMutation({
    mutationFn: (archived: boolean) => api<SiteView>('PATCH', `/api/sites/${siteId}`, { archived }),
    onSuccess: () => {
      void refresh();
      void queryClient.invalidateQueries({ queryKey: ['sites'] });
    },
  });

  if (site.isPending)
    return (
      <div className="page" aria-busy="true">
        <p className="muted">Loading the Site…</p>
      </div>
    );
  if (!site.data)
    return (
      <div className="page">
        <EmptyState
          title="This Site cannot be shown"
          action={
            <Link to="/sites" className="btn">
              Back to Sites
            </Link>
          }
        >
          {site.error?.message}
        </EmptyState>
      </div>
    );
  const data = site.data;
  return (
    <div className="page">
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/sites">Sites</Link> / <span aria-current="page">{data.name}</span>
      </nav>
      <header className="page-header">
        <div className="title">
          <h1>{data.name}</h1>
          <span className="subtitle">
            {data.documents.length} {data.documents.length === 1 ? 'document' : 'documents'}
            {data.archived ? ' · archived' : ''}
            {data.description ? ` · ${data.description}` : ''}
          </span>
        </div>
        <div className="actions">
          {canManage ? (
            <button type="button" className="btn" onClick={() => archive.mutate(!data.archived)}>
              {data.archived ? 'Unarchive' : 'Archive'}
            </button>
          ) : null}
        </div>
      </header>
      <ErrorBanner error={site.error ?? remove.error ?? archive.error} />
      {canManage ? (
        <DocumentDropZone
          disabled={uploads.some((u) => u.state === 'uploading')}
          onFiles={(f) => void upload(f)}
        />
      ) : null}
      {uploads.length > 0 ? (
        <ul className="upload-list" aria-label="Uploads" aria-live="polite">
          {uploads.map((u) => (
            <li
              key={u.id}
              className={u.state === 'failed' ? 'banner banner-error' : 'banner'}
              data-upload={u.state}
            >
              <span>
                <strong>{u.name}</strong>:{' '}
                {u.state === 'uploading'
                  ? 'uploading…'
                  : u.state === 'done'
                    ? 'uploaded'
                    : u.state === 'unchanged'
                      ? 'same bytes as the latest version, nothing new'
                      : u.message}
              </span>
            </li>
          ))}
        </ul>
      ) : null}

      <section className="card" aria-labelledby="documents-title">
        <div className="card-header">
          <h2 id="documents-title">Documents</h2>
          <span className="muted">Uploading the same name again makes a new version</span>
        </div>
        {data.documents.length === 0 ? (
          <EmptyState title="No documents yet">
            {canManage ? 'Drop files above to add them.' : 'An editor or administrator adds them.'}
          </EmptyState>
        ) : (
          <div className="table-scroll">
            <table className="simple" aria-label="Documents">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Extraction</th>
                  <th scope="col" className="num">
                    Version
                  </th>
                  <th scope="col" className="num">
                    Size
                  </th>
                  <th scope="col" className="num">
                    Chunks
                  </th>
                  <th scope="col">Updated</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.documents.map((doc) => {
                  const latest = doc.versions[0];
                  return (
                    <tr key={doc.id} data-document={doc.name}>
                      <td className="break">
                        <a href={`${doc.url}/content`} download>
                          {doc.name}
                        </a>
                        {latest?.error ? <div className="field-error">{latest.error}</div> : null}
                      </td>
                      <td>
                        <ExtractionBadge status={doc.status} />
                      </td>
                      <td className="num">v{doc.latestVersion}</td>
                      <td className="num">{latest ? sizeText(latest.sizeBytes) : '—'}</td>
                      <td className="num">{latest?.chunkCount ?? '—'}</td>
                      <td title={formatTime(doc.updatedAt)}>{timeAgo(doc.updatedAt)}</td>
                      <td className="row-buttons">
                        {canManage ? (
                          <button
                            type="button"
                            className="btn btn-sm btn-danger"
                            aria-label={`Delete ${doc.name}`}
                            onClick={() => setDeleting(doc)}
                          >
                            Delete
                          </button>
                        ) : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <ConfirmDialog
        open={deleting !== undefined}
        title={`Delete ${deleting?.name ?? ''}?`}
        description="Steps stop finding it; runs that already cited it keep their citations."
        keepLabel="Keep it"
        confirmLabel="Delete document"
        onClose={() => setDeleting(undefined)}
        onConfirm={() => deleting && remove.mutate(deleting.id)}
      />
    </div>
  );
}
