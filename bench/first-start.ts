/**
 * `node --import tsx bench/first-start.ts [--runs N]`
 *
 * Times what a new user waits for: `npm start` (node bin/tandem.js start) on an empty
 * TANDEM_DATA_DIR, from launch until the server prints its URL (schema migrated, demo
 * company generated, app listening) and until the demo admin can sign in. Then starts it
 * again on the now-populated store to show the cost of a later start.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = resolve(import.meta.dirname, '..');

interface StartTiming {
  readySeconds: number;
  signInSeconds: number;
}

function waitForUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolveUrl, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Tandem is running at (http:\/\/\S+)/.exec(output);
      if (match?.[1]) resolveUrl(match[1]);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`tandem start exited with ${code}:\n${output}`)));
  });
}

async function timeStart(dataDir: string): Promise<StartTiming> {
  const started = performance.now();
  const child = spawn(process.execPath, ['bin/tandem.js', 'start', '--port', '0'], {
    cwd: ROOT,
    env: { ...process.env, TANDEM_DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const url = await waitForUrl(child);
    const readySeconds = (performance.now() - started) / 1000;
    const response = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@demo.example.com', password: 'tandem-demo' }),
    });
    if (response.status !== 200)
      throw new Error(`sign-in answered ${response.status}: ${await response.text()}`);
    return { readySeconds, signInSeconds: (performance.now() - started) / 1000 };
  } finally {
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGINT');
    await exited;
  }
}

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const rows: string[] = [];
for (let run = 1; run <= Number(values.runs); run++) {
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-first-start-'));
  try {
    const load = loadavg()[0]?.toFixed(1);
    const first = await timeStart(dataDir);
    const again = await timeStart(dataDir);
    rows.push(
      `| ${run} | ${first.readySeconds.toFixed(1)} | ${first.signInSeconds.toFixed(1)} | ${again.readySeconds.toFixed(1)} | ${load} |`,
    );
    process.stderr.write(
      `run ${run}: first start ${first.readySeconds.toFixed(1)} s, second ${again.readySeconds.toFixed(1)} s\n`,
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
process.stdout.write(
  [
    '| run | first start: URL printed (s) | first start: admin signed in (s) | second start: URL printed (s) | load average at start |',
    '| ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
  ].join('\n'),
);
