// One folder per Playwright run for the projects specs share (test/e2e/studio.ts): made before the
// first worker starts, with the two most specs start from (the starter set, and the starter with a
// tiny trained model) already in it, so two workers never make the same one side by side; removed
// after the last worker ends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default async function globalSetup(): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'atelier-e2e-templates-'));
  process.env.ATELIER_E2E_TEMPLATES = dir;
  // Imported once the folder is named: studio.ts reads it as it loads.
  const { makeProject, trainTinyCgan } = await import('./studio');
  const scratch = mkdtempSync(join(tmpdir(), 'atelier-e2e-setup-'));
  try {
    const started = Date.now();
    // Each in a folder named 'project', as studioWithProject names them: a project is named after its folder.
    makeProject(join(scratch, 'starter', 'project'), { starter: true });
    makeProject(join(scratch, 'tiny', 'project'), { starter: true, prepare: trainTinyCgan() });
    console.log(`Template projects made in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return () => rmSync(dir, { recursive: true, force: true });
}
