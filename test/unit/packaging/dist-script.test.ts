// `npm run dist` where Electron's binary and electron-builder's tools cannot be downloaded: one
// plain sentence, a non-zero exit, quickly, before any build, and better-sqlite3 still loading
// under Node afterwards. The download hosts are pointed at a closed local port, so the reachability
// probe fails at once whatever this machine's network is.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('scripts/dist.js', () => {
  it('stops with one plain sentence when the downloads cannot be reached', () => {
    const started = Date.now();
    const r = spawnSync(process.execPath, ['scripts/dist.js', '--linux'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 20_000,
      env: {
        ...process.env,
        ELECTRON_MIRROR: 'http://127.0.0.1:1/electron/',
        ELECTRON_BUILDER_BINARIES_MIRROR: 'http://127.0.0.1:1/tools/',
        // npm passes .npmrc settings as npm_config_*, which electron-builder reads first.
        npm_config_electron_mirror: '',
        NPM_CONFIG_ELECTRON_MIRROR: '',
        npm_package_config_electron_mirror: '',
        NPM_CONFIG_ELECTRON_BUILDER_BINARIES_MIRROR: '',
        npm_config_electron_builder_binaries_mirror: '',
        npm_package_config_electron_builder_binaries_mirror: '',
        // Belt and braces: even if the probe passed, no electron-vite build would run.
        ATELIER_DIST_SKIP_BUILD: '1',
        ATELIER_DIST_NO_PROBE: '',
        HTTP_PROXY: '',
        HTTPS_PROXY: '',
        http_proxy: '',
        https_proxy: '',
      },
    });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^npm run dist needs to download Electron \d+'s binary and electron-builder's packaging tools from 127\.0\.0\.1:1, which this machine cannot reach; run it on a machine with internet access\.$/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const sqlite = spawnSync(process.execPath, ['-e', "require('better-sqlite3')(':memory:').close()"], { cwd: ROOT });
    expect(sqlite.status).toBe(0);
  });
});
