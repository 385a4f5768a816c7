import { useState } from 'react';

/** A secret the server shows this once (a token, a webhook secret, a first password), with Copy. */
export function SecretOnce({ title, secret, testId }: { title: string; secret: string; testId: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="banner" role="status" style={{ flexDirection: 'column', alignItems: 'stretch' }}>
      <strong>{title}</strong>
      <div className="token-secret" style={{ width: '100%' }}>
        <code data-testid={testId}>{secret}</code>
        <button
          type="button"
          className="btn btn-sm"
          onClick={() => {
            void navigator.clipboard?.writeText(secret).then(() => setCopied(true));
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
    </div>
  );
}
