import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The web UI: static files the Fastify server serves at `/`. `npm run dev:web` proxies the API
 * to a server on :3000 for hot reloading.
 */
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    // Source maps stay out of the shipped build: it is served to every browser.
    sourcemap: false,
    reportCompressedSize: false,
    // One 510 kB script, 157 kB gzipped (React DOM, TanStack Router/Query/Virtual, marked, DOMPurify):
    // served once and cached for a year by its hash.
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: { '/api': 'http://localhost:3000', '/openapi.json': 'http://localhost:3000' },
  },
});
