// One folder per Playwright run for the projects specs share (test/e2e/studio.ts): made before the
// first worker starts, removed after the last one ends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function globalSetup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'atelier-e2e-templates-'));
  process.env.ATELIER_E2E_TEMPLATES = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
