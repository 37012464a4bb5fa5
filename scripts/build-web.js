// Builds the web app during `npm install` so `npm start` serves it. Skipped when the web
// sources or the build tools are absent (a production install without dev dependencies).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (!existsSync('web/index.html') || !existsSync('node_modules/vite')) {
  console.log('tandem: web app not built (no web sources or no vite); the API still works.');
  process.exit(0);
}
const result = spawnSync(
  process.execPath,
  ['node_modules/vite/bin/vite.js', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'],
  // A production build whatever NODE_ENV the install runs with.
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } },
);
process.exit(result.status ?? 1);
