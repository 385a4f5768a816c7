import type { StoreKind } from '../store/store-kind.ts';

/** The page at `/` when the web UI has not been built: what is running and how to build the UI. */
export function homePage(store: StoreKind): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Agent Runs</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { max-width: 42rem; margin: 4rem auto; padding: 0 1rem; line-height: 1.5; }
  code { background: color-mix(in srgb, currentColor 8%, transparent); padding: .1rem .3rem; border-radius: .25rem; }
</style>
</head>
<body>
<h1>Agent Runs</h1>
<p>The server is running on <strong>${store === 'sqlite' ? 'SQLite (embedded)' : 'PostgreSQL'}</strong>,
but the web UI has not been built. Run <code>npm run build</code> and reload (<code>npm start</code> builds it when missing).</p>
<ul>
  <li>API description: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1)</li>
  <li>Health: <a href="/api/health">/api/health</a></li>
</ul>
</body>
</html>`;
}
