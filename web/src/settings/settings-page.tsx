import { roleCan } from '../shell/permissions.ts';
import { useMe } from '../shell/use-me.ts';
import { ApiTokensSection } from './api-tokens-section.tsx';

/**
 * The sections other parts of the product fill. Each placeholder names what it will hold, so an
 * administrator knows the setting exists and is not yet editable here.
 */
const upcoming = [
  {
    id: 'providers',
    title: 'Model providers and keys',
    body: 'Connect OpenAI, Anthropic and OpenAI-compatible endpoints (Ollama, vLLM, LM Studio). Keys are encrypted at rest and never shown whole. Until then, providers come from the server environment (OPENAI_API_KEY, ANTHROPIC_API_KEY).',
  },
  {
    id: 'prices',
    title: 'Price table and credit rate',
    body: 'Per-model input, output, cached and reasoning prices, with versions, and the organization’s AI credit rate.',
  },
  {
    id: 'policy',
    title: 'Policy',
    body: 'Retention and deletion prevention, legal hold, who may delete runs, permitted models, tool access, mandatory AI instructions and signing, as numbered versions with their history.',
  },
  {
    id: 'users',
    title: 'Users and roles',
    body: 'Invite members and give them a role: admin, editor, runner or viewer.',
  },
];

export function SettingsPage() {
  const role = useMe().data?.role;
  const admin = roleCan(role, 'tokens.manage');
  return (
    <div className="page">
      <header className="page-header">
        <div className="title">
          <h1>Settings</h1>
          <p className="subtitle" style={{ margin: 0 }}>
            Organization settings{admin ? '' : ' (administrators change them)'}.
          </p>
        </div>
      </header>
      <div className="settings-grid">
        <nav className="settings-nav" aria-label="Settings sections">
          <a className="nav-link" href="#tokens">
            API tokens
          </a>
          {upcoming.map((s) => (
            <a key={s.id} className="nav-link" href={`#${s.id}`}>
              {s.title}
            </a>
          ))}
        </nav>
        <div className="settings-sections">
          {admin ? (
            <ApiTokensSection />
          ) : (
            <section className="card" id="tokens" aria-labelledby="tokens-title">
              <div className="card-header">
                <h2 id="tokens-title">API tokens</h2>
              </div>
              <div className="card-body">
                <p className="muted" style={{ margin: 0 }}>
                  Only administrators manage API tokens. Ask one for a token for the CLI or the API.
                </p>
              </div>
            </section>
          )}
          {upcoming.map((s) => (
            <section
              key={s.id}
              className="card"
              id={s.id}
              aria-labelledby={`${s.id}-title`}
              data-placeholder="true"
            >
              <div className="card-header">
                <h2 id={`${s.id}-title`}>{s.title}</h2>
                <span className="pill">Not available yet</span>
              </div>
              <div className="card-body">
                <p className="muted" style={{ margin: 0 }}>
                  {s.body}
                </p>
              </div>
            </section>
          ))}
        </div>
      </div>
    </div>
  );
}
