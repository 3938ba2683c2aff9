// Builds the dashboard into web/dist, which the server serves at `/` (src/http/dashboard.ts).
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  plugins: [react()],
  logLevel: 'warn',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 1000 },
  // `npx vite --config web/vite.config.ts` for development: the API comes from a running server.
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
