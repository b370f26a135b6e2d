// Starts `tanhui serve` (the build scripts/test.sh names in TANHUI_BIN) with a fresh SQLite
// database and waits for the address it prints. Global setup starts the demo server every test
// shares; a test of a fresh install, or of the one-file binary and its upgrade, starts its own.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Server {
  /** http://localhost:PORT (a loopback origin is a secure context: cookies keep `Secure`). */
  url: string;
  /** The port it listens on (an upgrade restarts on the same one: same origin, same cache). */
  port: number;
  /** Everything the server printed on standard output so far. */
  printed: () => string;
  /** SIGTERM, as an operator would, then the database folder is removed (unless given). */
  stop: () => Promise<void>;
}

export interface StartOptions {
  /** The binary to run (default: the `ci` build). */
  binary?: string;
  /** Working directory (default: this one). */
  cwd?: string;
  /** Port to listen on (default: a free one). */
  port?: number;
  /** Database URL (default: a new SQLite file in a temporary folder, removed at stop). */
  db?: string;
  /** Serve the site from TANHUI_SITE_ROOT (default) or, with false, from the binary itself. */
  siteFolder?: boolean;
}

export const built = () => join(process.env.HOME || '', '.cache', 'tanhui', 'target');
export const ciBinary = () => process.env.TANHUI_BIN || join(built(), 'ci', 'tanhui');
export const siteRoot = () => process.env.TANHUI_SITE_ROOT || join(built(), 'site');

export async function startServer(env: Record<string, string>, options: StartOptions = {}): Promise<Server> {
  const binary = options.binary || ciBinary();
  const site = siteRoot();
  if (!existsSync(binary)) throw new Error(`no server build at ${binary}: run make test (or set TANHUI_BIN)`);
  if (options.siteFolder !== false && !existsSync(join(site, 'pkg', 'tanhui.wasm'))) {
    throw new Error(`no wasm bundle under ${site}/pkg: run scripts/site.sh`);
  }

  const dir = options.db ? undefined : mkdtempSync(join(tmpdir(), 'tanhui-e2e-'));
  const db = options.db || `sqlite://${dir}/e2e.db`;
  // Two-step verification is off unless a test asks for it (two-step.spec.ts): the demo
  // accounts of every role sign in with their password alone.
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    TANHUI_LOG: 'warn',
    TANHUI_TWO_FACTOR_ROLES: 'none',
    ...env,
  };
  if (options.siteFolder === false) delete childEnv.TANHUI_SITE_ROOT;
  else childEnv.TANHUI_SITE_ROOT = site;
  const server: ChildProcess = spawn(binary, ['serve', '--db', db, '--addr', `127.0.0.1:${options.port ?? 0}`], {
    env: childEnv,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let seen = '';
  let errors = '';
  server.stderr!.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
    process.stderr.write(chunk);
  });
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error('tanhui serve did not print its address in 60 s')), 60_000);
    server.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = seen.match(/http:\/\/[0-9.]+:[0-9]+/);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[0]);
      }
    });
    server.on('exit', (code) => reject(new Error(`tanhui serve exited early with ${code}: ${errors}`)));
  });
  return {
    url: url.replace('127.0.0.1', 'localhost'),
    port: Number(url.split(':').pop()),
    printed: () => seen,
    stop: async () => {
      if (server.exitCode === null) {
        const stopped = new Promise((done) => server.on('exit', done));
        server.kill('SIGTERM');
        await stopped;
      }
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
