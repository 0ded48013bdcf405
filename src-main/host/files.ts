// Serving project files to the page (web adapter and Electron protocol) without
// ever reading outside the folder they belong to.
import { existsSync, realpathSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';

/** The real path of `relative` inside `folder`, or null if it escapes it (.., symlinks) or is not a file. */
export function insideFolder(folder: string, relative: string): string | null {
  if (relative.includes('\0')) return null;
  const root = realpathSync(folder);
  const candidate = resolve(root, relative);
  if (!existsSync(candidate)) return null;
  const real = realpathSync(candidate);
  if (!real.startsWith(root + sep) || !statSync(real).isFile()) return null;
  return real;
}
