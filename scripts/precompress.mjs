// Writes FILE.gz (gzip -9) and FILE.br (brotli, quality 11) beside every file under the given
// folder whose compressed copies are missing, older than it, or hold other bytes than it (a
// copy made with `cp -p` from another checkout keeps its old time: the time alone once let a
// stale stylesheet be served to every browser that accepts brotli). The server sends them to
// browsers that accept those encodings.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, constants, gunzipSync, gzipSync } from 'node:zlib';

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

// Whether both compressed copies decompress to exactly `bytes`.
const same = (path, bytes) => {
  try {
    return (
      gunzipSync(readFileSync(`${path}.gz`)).equals(bytes) &&
      brotliDecompressSync(readFileSync(`${path}.br`)).equals(bytes)
    );
  } catch {
    return false;
  }
};

function walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      walk(path);
    } else if (entry.isFile() && !skip(entry.name)) {
      const source = statSync(path);
      const bytes = readFileSync(path);
      if (!stale(`${path}.gz`, source) && !stale(`${path}.br`, source) && same(path, bytes)) continue;
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
