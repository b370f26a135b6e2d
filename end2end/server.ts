// Starts `tanhui serve` (the build scripts/test.sh names in TANHUI_BIN) on port 0 with a fresh
// SQLite database and waits for the address it prints. Global setup starts the demo server
// every test shares; a test of a fresh install starts its own without demo data.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Server {
  /** http://localhost:PORT (a loopback origin is a secure context: cookies keep `Secure`). */
  url: string;
  /** Everything the server printed on standard output so far. */
  printed: () => string;
  /** SIGTERM, as an operator would, then the database folder is removed. */
  stop: () => Promise<void>;
}

export async function startServer(env: Record<string, string>): Promise<Server> {
  const built = join(process.env.HOME || '', '.cache', 'tanhui', 'target');
  const binary = process.env.TANHUI_BIN || join(built, 'ci', 'tanhui');
  const siteRoot = process.env.TANHUI_SITE_ROOT || join(built, 'site');
  if (!existsSync(binary)) throw new Error(`no server build at ${binary}: run make test (or set TANHUI_BIN)`);
  if (!existsSync(join(siteRoot, 'pkg', 'tanhui.wasm'))) throw new Error(`no wasm bundle under ${siteRoot}/pkg: run scripts/site.sh`);

  const dir = mkdtempSync(join(tmpdir(), 'tanhui-e2e-'));
  const server: ChildProcess = spawn(binary, ['serve', '--db', `sqlite://${dir}/e2e.db`, '--addr', '127.0.0.1:0'], {
    env: { ...process.env, TANHUI_SITE_ROOT: siteRoot, TANHUI_LOG: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let seen = '';
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
    server.on('exit', (code) => reject(new Error(`tanhui serve exited early with ${code}`)));
  });
  return {
    url: url.replace('127.0.0.1', 'localhost'),
    printed: () => seen,
    stop: async () => {
      const stopped = new Promise((done) => server.on('exit', done));
      server.kill('SIGTERM');
      await stopped;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
