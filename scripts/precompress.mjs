// Writes FILE.gz (gzip -9) and FILE.br (brotli, quality 11) beside every file under the given
// folder whose compressed copies are missing or older than it. The server (tower-http's
// ServeDir) sends them to browsers that accept those encodings.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = process.argv[2];
if (!root) {
  console.error('usage: node scripts/precompress.mjs SITE_DIR');
  process.exit(2);
}

const skip = (name) => name.startsWith('.') || name.endsWith('.gz') || name.endsWith('.br');
const stale = (copy, source) => {
  try {
    return statSync(copy).mtimeMs < source.mtimeMs;
  } catch {
    return true;
  }
};

function walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      walk(path);
    } else if (entry.isFile() && !skip(entry.name)) {
      const source = statSync(path);
      if (!stale(`${path}.gz`, source) && !stale(`${path}.br`, source)) continue;
      const bytes = readFileSync(path);
      writeFileSync(`${path}.gz`, gzipSync(bytes, { level: 9 }));
      writeFileSync(
        `${path}.br`,
        brotliCompressSync(bytes, {
          params: {
            [constants.BROTLI_PARAM_QUALITY]: 11,
            [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
          },
        }),
      );
    }
  }
}

walk(root);
