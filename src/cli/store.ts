import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Database, openDatabase } from '../db/database.ts';
import { migrateToLatest } from '../db/migrator.ts';

export interface StoreConfig {
  url: string | undefined;
  dataDir: string;
}

export function storeConfig(env: NodeJS.ProcessEnv = process.env): StoreConfig {
  return { url: env.DATABASE_URL || undefined, dataDir: resolve(env.TANDEM_DATA_DIR || '.tandem') };
}

export class StoreBusyError extends Error {
  constructor(
    message: string,
    readonly holder: LockInfo,
  ) {
    super(message);
  }
}

export interface LockInfo {
  pid: number;
  command: string;
  url?: string;
  started_at: string;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(path: string): LockInfo | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
  } catch {
    return null;
  }
}

/**
 * PGlite is a single-process database: two processes opening one data directory would
 * corrupt it. Every process that opens the embedded store takes this lock file first
 * (created with O_EXCL), and a lock left by a dead process is taken over.
 */
export function acquireStoreLock(dataDir: string, info: Omit<LockInfo, 'pid' | 'started_at'>): () => void {
  const path = join(dataDir, 'tandem.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      const lock: LockInfo = { pid: process.pid, started_at: new Date().toISOString(), ...info };
      writeSync(fd, JSON.stringify(lock));
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        const current = readLock(path);
        if (current?.pid === process.pid) rmSync(path, { force: true });
      };
      process.once('exit', release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readLock(path);
      if (holder && processAlive(holder.pid) && holder.pid !== process.pid) {
        const what =
          holder.command === 'start'
            ? `a running Tandem server (pid ${holder.pid}${holder.url ? `, ${holder.url}` : ''})`
            : `another tandem command (\`tandem ${holder.command}\`, pid ${holder.pid})`;
        throw new StoreBusyError(
          `The embedded store in ${dataDir} is held open by ${what}. ` +
            'Stop it first, use the API of the running server, or set DATABASE_URL to work on PostgreSQL, which allows many processes.',
          holder,
        );
      }
      rmSync(path, { force: true });
    }
  }
  throw new Error(`Could not take the lock on ${dataDir}`);
}

export interface OpenedStore {
  database: Database;
  config: StoreConfig;
  close(): Promise<void>;
}

/** Opens (and migrates) the store the CLI and the server share, holding the embedded lock while open. */
export async function openStore(command: string, options: { url?: string } = {}): Promise<OpenedStore> {
  const config = storeConfig();
  let release = () => {};
  if (!config.url) {
    if (!existsSync(config.dataDir)) {
      const { mkdirSync } = await import('node:fs');
      mkdirSync(config.dataDir, { recursive: true });
    }
    release = acquireStoreLock(config.dataDir, { command, ...(options.url ? { url: options.url } : {}) });
  }
  try {
    const database = await openDatabase({ url: config.url, dataDir: config.dataDir });
    await migrateToLatest(database.db);
    return {
      database,
      config,
      close: async () => {
        await database.close();
        release();
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}
