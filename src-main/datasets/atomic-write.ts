// Writing a file so a reader (or a process killed mid-write) never sees half of it:
// the bytes go to a temporary name beside it, then take the final name in one rename.
import { renameSync, writeFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Below this size a write goes straight to the page cache rather than through the thread pool. */
const SYNC_WRITE_LIMIT = 256 * 1024;

let tmpCounter = 0;
const madeFolders = new Set<string>();

/** Writes `data` to `file` whole or not at all, making its folder when needed. */
export async function writeAtomically(file: string, data: Uint8Array): Promise<void> {
  const folder = dirname(file);
  if (!madeFolders.has(folder)) {
    await mkdir(folder, { recursive: true });
    madeFolders.add(folder);
  }
  // Two workers may write the same content-addressed file at once: each gets its own temporary name.
  const tmp = `${file}.${process.pid}-${++tmpCounter}.tmp`;
  if (data.length < SYNC_WRITE_LIMIT) {
    // A small write to the page cache costs less than its trip through the thread pool.
    writeFileSync(tmp, data);
    renameSync(tmp, file);
    return;
  }
  await writeFile(tmp, data);
  await rename(tmp, file);
}
