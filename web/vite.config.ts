import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// Library code that every page needs goes into one long-cached chunk; ECharts gets its own
// chunk so pages without charts (login, the lead queue) never download it.
const vendorGroups = [
  { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler|react-router|@tanstack)[\\/]/ },
  { name: 'echarts', test: /node_modules[\\/](echarts|zrender|tslib)[\\/]/ },
];

export default defineConfig({
  root,
  base: '/',
  // Vite 8 transforms TSX with oxc; no React plugin is needed for a production build.
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    // The ECharts chunk (about 185 kB gzipped) loads only on chart pages.
    chunkSizeWarningLimit: 600,
    rolldownOptions: {
      // React Query marks its modules "use client" (a server-components hint with no meaning here).
      checks: { moduleLevelDirective: false },
      output: { codeSplitting: { groups: vendorGroups } },
    },
  },
  server: {
    // `npx vite --config web/vite.config.ts` next to `npm start` for development.
    proxy: { '/api': 'http://localhost:3000' },
  },
});
