// Builds for the tests of deployment and upgrades: the one-file binary (`tanhui bundle`) and a
// second build of the site whose files differ from the first (so its build id does).
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ciBinary, siteRoot } from './server';

/** Bundles `site` into a copy of the ci binary at `out`; returns the build id it printed. */
export function bundle(site: string, out: string): string {
  const printed = execFileSync(ciBinary(), ['bundle', '--site', site, '--out', out], { encoding: 'utf-8' });
  const build = printed.match(/site build ([0-9a-f]{16})/);
  if (!build) throw new Error(`no build id in: ${printed}`);
  return build[1];
}

/** A second build of the site: the same program with a different wasm file (a custom section
 * the engine ignores) and a stylesheet that says which build it is. */
export function secondBuild(dir: string): string {
  const site = join(dir, 'site-b');
  cpSync(siteRoot(), site, { recursive: true });
  const name = Buffer.from('tanhui-build');
  const payload = Buffer.from('B');
  appendFileSync(join(site, 'pkg', 'tanhui.wasm'), Buffer.concat([Buffer.from([0, name.length + payload.length + 1, name.length]), name, payload]));
  appendFileSync(join(site, 'pkg', 'tanhui.css'), '\n:root { --tanhui-build: "B"; }\n');
  // Their precompressed copies no longer match: drop them (the server compresses on the fly).
  for (const file of ['tanhui.wasm', 'tanhui.css']) {
    for (const ext of ['.gz', '.br']) {
      const path = join(site, 'pkg', file + ext);
      if (existsSync(path)) unlinkSync(path);
    }
  }
  return site;
}

