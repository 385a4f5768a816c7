import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../shell/api-client.ts';
import type { Role, UserView } from '../shell/api-types.ts';
import { useConfirmedDelete } from '../shell/confirmed-delete.tsx';
import { ErrorBanner } from '../shell/empty-state.tsx';
import { bannerError, FormField, fieldMessage } from '../shell/form-field.tsx';
import { timeAgo } from '../shell/format-time.ts';
import { SecretOnce } from '../shell/secret-once.tsx';
import { useMe } from '../shell/use-me.ts';

const roleOptions: Array<{ role: Role; hint: string }> = [
  { role: 'admin', hint: 'everything, users and policy included' },
  { role: 'editor', hint: 'edits agents and Sites, manages runs' },
  { role: 'runner', hint: 'starts and manages runs' },
  { role: 'viewer', hint: 'reads' },
];

/** Settings > Users (administrators): add members with a role, change roles, remove members. */
export function UsersSection() {
  const me = useMe().data;
  const queryClient = useQueryClient();
  const users = useQuery({
    queryKey: ['users'],
    queryFn: () => api<{ items: UserView[] }>('GET', '/api/users'),
  });
  const [form, setForm] = useState<{ email: string; name: string; role: Role }>({
    email: '',
    name: '',
    role: 'viewer',
  });
  const [created, setCreated] = useState<{ email: string; initialPassword: string }>();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['users'] });
  const add = useMutation({
    mutationFn: () =>
      api<UserView & { initialPassword?: string }>('POST', '/api/users', {
        email: form.email,
        role: form.role,
        ...(form.name.trim() ? { name: form.name } : {}),
      }),
    onSuccess: (user) => {
      setForm({ email: '', name: '', role: 'viewer' });
      setCreated(
        user.initialPassword ? { email: user.email, initialPassword: user.initialPassword } : undefined,
      );
      void refresh();
    },
  });
  const change = useMutation({
    mutationFn: ({ id, role }: { id: string; role: Role }) => api('PATCH', `/api/users/${id}`, { role }),
    onSuccess: () => refresh(),
  });
  const remove = useConfirmedDelete<UserView>({
    remove: (user) => api('DELETE', `/api/users/${user.id}`),
    queryKey: ['users'],
    title: (user) => `Remove ${user.email}?`,
    description: 'Their sessions and API tokens stop working at once. The runs they started stay.',
    keepLabel: 'Keep them',
    confirmLabel: 'Remove user',
  });

  return (
    <section className="card" id="users" aria-labelledby="users-title">
      <div className="card-header">
        <h2 id="users-title">Users and roles</h2>
        <span className="muted">{users.data ? `${users.data.items.length} members` : ''}</span>
      </div>
      <div className="card-body">
        <ErrorBanner error={users.error ?? change.error ?? remove.error} />
        {users.data ? (
          <div className="table-scroll">
            <table className="simple" aria-label="Users">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Added</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {users.data.items.map((u) => (
                  <tr key={u.id} data-user={u.email}>
                    <td>
                      {u.name}
                      {u.id === me?.id ? <span className="muted"> (you)</span> : null}
                    </td>
                    <td className="break">{u.email}</td>
                    <td>
                      <select
                        aria-label={`Role of ${u.email}`}
                        value={u.role}
                        disabled={u.id === me?.id || change.isPending}
                        onChange={(e) => change.mutate({ id: u.id, role: e.target.value as Role })}
                      >
                        {roleOptions.map((r) => (
                          <option key={r.role} value={r.role}>
                            {r.role}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td>{timeAgo(u.createdAt)}</td>
                    <td className="row-buttons">
                      {u.id === me?.id ? null : (
                        <button
                          type="button"
                          className="btn btn-sm btn-danger"
                          aria-label={`Remove ${u.email}`}
                          onClick={() => remove.ask(u)}
                        >
                          Remove
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        <form
          className="editor-section"
          aria-label="Add a user"
          onSubmit={(event) => {
            event.preventDefault();
            add.mutate();
          }}
        >
          <h3 className="section-title">Add a user</h3>
          <div className="grid-3">
            <FormField id="user-email" label="Email" message={fieldMessage(add.error, 'email')}>
              <input
                type="email"
                value={form.email}
                onChange={(e) => setForm({ ...form, email: e.target.value })}
              />
            </FormField>
            <FormField
              id="user-name"
              label="Full name"
              hint="Optional"
              message={fieldMessage(add.error, 'name')}
            >
              <input
                type="text"
                value={form.name}
                onChange={(e) => setForm({ ...form, name: e.target.value })}
              />
            </FormField>
            <FormField
              id="user-role"
              label="Role"
              hint={roleOptions.find((r) => r.role === form.role)?.hint}
              message={fieldMessage(add.error, 'role')}
            >
              <select value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>
                {roleOptions.map((r) => (
                  <option key={r.role} value={r.role}>
                    {r.role}
                  </option>
                ))}
              </select>
            </FormField>
          </div>
          <ErrorBanner error={bannerError(add.error)} />
          <div>
            <button type="submit" className="btn btn-primary" disabled={add.isPending}>
              Add user
            </button>
          </div>
        </form>
        {created ? (
          <SecretOnce
            title={`First password of ${created.email}: copy it now, it is not shown again.`}
            secret={created.initialPassword}
            testId="initial-password"
          />
        ) : null}
      </div>
      {remove.dialog}
    </section>
  );
}
