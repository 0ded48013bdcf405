// `npm run dist [-- <electron-builder flags>]`: the desktop packages (electron-builder.yml,
// docs/packaging.md). In order:
//  1. checks that the download hosts answer (Electron's binary, electron-builder's packaging
//     tools); where they cannot be reached it says so in one sentence and stops, before building;
//  2. builds with electron-vite (skipped with --skip-build or ATELIER_DIST_SKIP_BUILD=1);
//  3. keeps a copy of the Node builds of the native modules, runs electron-builder for this
//     platform (or the platform flags given: --linux, --win, --mac, --x64, --arm64, --dir…), which
//     rebuilds them IN PLACE in node_modules for Electron's ABI, then puts Node's builds back, so
//     that `npm test` and the CLI keep working whether packaging succeeded or not.
// ATELIER_DIST_NO_PROBE=1 skips step 1 (a machine with every download already in its caches).
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const node = process.execPath;
const PROBE_TIMEOUT_MS = 4000;
/** Native packages electron-builder rebuilds for Electron, when installed. */
const NATIVE = ['better-sqlite3', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'];
/** Failure text of a download that could not happen (DNS, refused, reset, timeout, proxy refusal). */
const NETWORK_FAILURE =
  /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|ERR_SOCKET_CONNECTION_TIMEOUT|UND_ERR_CONNECT_TIMEOUT)\b|getaddrinfo|fetch failed|tunneling socket could not be established|status code (403|407)|\b(403 Forbidden|407 Proxy Authentication Required)\b|HTTPError: Response code 40[37]|related to network connectivity/;

const args = process.argv.slice(2);
const skipBuild = args.includes('--skip-build') || process.env.ATELIER_DIST_SKIP_BUILD === '1';
const builderArgs = args.filter((a) => a !== '--skip-build');
const electronMajor = JSON.parse(readFileSync(join(root, 'node_modules/electron/package.json'), 'utf8')).version.split('.')[0];

function fail(sentence) {
  process.stderr.write(`${sentence}\n`);
  process.exit(1);
}

/** The first set variable among `names`, as electron-builder and @electron/get read them. */
function envUrl(names, fallback) {
  for (const name of names) if (process.env[name]) return process.env[name];
  return fallback;
}

const ELECTRON_URL = envUrl(
  ['npm_config_electron_mirror', 'NPM_CONFIG_ELECTRON_MIRROR', 'npm_package_config_electron_mirror', 'ELECTRON_MIRROR'],
  'https://github.com/electron/electron/releases/download/',
);
const TOOLS_URL = envUrl(
  [
    'NPM_CONFIG_ELECTRON_BUILDER_BINARIES_MIRROR',
    'npm_config_electron_builder_binaries_mirror',
    'npm_package_config_electron_builder_binaries_mirror',
    'ELECTRON_BUILDER_BINARIES_MIRROR',
  ],
  'https://github.com/electron-userland/electron-builder-binaries/releases/download/',
);

/** Whether `url`'s host answers over HTTP(S) (directly, or through HTTPS_PROXY / HTTP_PROXY): any answer but a proxy's or gateway's refusal. */
function reachable(url) {
  return new Promise((resolve) => {
    let target;
    try {
      target = new URL(url);
    } catch {
      return resolve(false);
    }
    const secure = target.protocol === 'https:';
    const port = Number(target.port) || (secure ? 443 : 80);
    const proxy = (secure ? process.env.HTTPS_PROXY || process.env.https_proxy : null) || process.env.HTTP_PROXY || process.env.http_proxy;
    const noProxy = (process.env.NO_PROXY || process.env.no_proxy || '').split(',').some((h) => h.trim() && target.hostname.endsWith(h.trim()));
    const done = (ok) => {
      clearTimeout(timer);
      resolve(ok);
    };
    const timer = setTimeout(() => {
      request.destroy();
      resolve(false);
    }, PROBE_TIMEOUT_MS);
    const answered = (status) => done(status < 500 && status !== 403 && status !== 407);
    let request;
    if (proxy && !noProxy) {
      // Through the proxy: may it open a tunnel to the host? (A proxy that refuses answers 403.)
      const p = new URL(proxy);
      request = http.request({ host: p.hostname, port: Number(p.port) || 80, method: 'CONNECT', path: `${target.hostname}:${port}` });
      request.on('connect', (res, socket) => {
        socket.destroy();
        answered(res.statusCode === 200 ? 200 : (res.statusCode ?? 500));
      });
    } else {
      request = (secure ? https : http).request({ host: target.hostname, port, method: 'HEAD', path: target.pathname || '/' });
      request.on('response', (res) => {
        res.resume();
        answered(res.statusCode ?? 500);
      });
    }
    request.on('error', () => done(false));
    request.end();
  });
}

function hostOf(url) {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function unreachableSentence(hosts) {
  const where = [...new Set(hosts)].join(' and ');
  return `npm run dist needs to download Electron ${electronMajor}'s binary and electron-builder's packaging tools from ${where}, which this machine cannot reach; run it on a machine with internet access.`;
}

/** Every .node file of the installed native packages (not of packages nested inside them). */
function nativeFiles() {
  const out = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.node')) out.push(path);
    }
  };
  for (const pkg of NATIVE) {
    const dir = join(root, 'node_modules', pkg);
    if (existsSync(dir)) walk(dir);
  }
  return out;
}

/** A copy of the Node builds, and how to put them back. */
function keepNodeBuilds() {
  const keep = mkdtempSync(join(tmpdir(), 'atelier-dist-native-'));
  const files = nativeFiles();
  for (const file of files) {
    const copy = join(keep, relative(root, file));
    mkdirSync(dirname(copy), { recursive: true });
    copyFileSync(file, copy);
  }
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    for (const file of files) {
      mkdirSync(dirname(file), { recursive: true });
      copyFileSync(join(keep, relative(root, file)), file);
    }
    rmSync(keep, { recursive: true, force: true });
  };
}

/** Whether better-sqlite3 opens a database under this Node. */
function sqliteWorksUnderNode() {
  const r = spawnSync(node, ['-e', "require('better-sqlite3')(':memory:').close()"], { cwd: root, stdio: 'ignore' });
  return r.status === 0;
}

/** After packaging: Node's builds back in node_modules, checked, rebuilt by npm if the copy was not enough. */
function restoreNodeBuilds(restore) {
  try {
    restore();
  } catch {
    // fall through to the check and npm rebuild
  }
  if (!existsSync(join(root, 'node_modules/better-sqlite3')) || sqliteWorksUnderNode()) return true;
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  spawnSync(npm, ['rebuild', 'better-sqlite3'], { cwd: root, stdio: 'ignore', shell: process.platform === 'win32' });
  if (sqliteWorksUnderNode()) return true;
  process.stderr.write(
    'Packaging left better-sqlite3 built for Electron and it could not be rebuilt for Node.js here; run `npm rebuild better-sqlite3` before `npm test` or the CLI.\n',
  );
  return false;
}

// 1. The downloads.
if (process.env.ATELIER_DIST_NO_PROBE !== '1') {
  const probes = [ELECTRON_URL, TOOLS_URL];
  const results = await Promise.all(probes.map((u) => reachable(u)));
  const down = probes.filter((_, i) => !results[i]).map(hostOf);
  if (down.length > 0) fail(unreachableSentence(down));
}

// 2. The build.
if (!skipBuild) {
  const build = spawnSync(node, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) fail('npm run dist stopped: electron-vite could not build Atelier (its messages are above).');
}

// 3. The packages, with Node's native builds put back whatever happens.
const restore = keepNodeBuilds();
let child = null;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    child?.kill(signal);
    restoreNodeBuilds(restore);
    process.exit(1);
  });
}

const output = [];
const code = await new Promise((resolve) => {
  child = spawn(node, [join(root, 'node_modules/electron-builder/cli.js'), ...builderArgs], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let pending = '';
  const onData = (chunk) => {
    const text = pending + chunk.toString();
    const lines = text.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      output.push(line);
      // Progress lines ("  • packaging …") as they come; errors and their stacks are held back.
      if (/^\s*•/.test(line)) process.stdout.write(`${line}\n`);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  child.on('error', (error) => {
    output.push(String(error));
    resolve(1);
  });
  child.on('close', (status) => {
    if (pending) output.push(pending);
    resolve(status ?? 1);
  });
});
child = null;
const restoredOk = restoreNodeBuilds(restore);

if (code !== 0) {
  const all = output.join('\n');
  const logFile = join(root, 'dist', 'electron-builder.log');
  try {
    mkdirSync(dirname(logFile), { recursive: true });
    writeFileSync(logFile, `${all}\n`);
  } catch {
    // the log is a convenience
  }
  if (NETWORK_FAILURE.test(all)) {
    fail(
      `npm run dist needs to download Electron ${electronMajor}'s binary and headers and electron-builder's packaging tools (from ${hostOf(ELECTRON_URL)} and electronjs.org), which this machine cannot reach; run it on a machine with internet access (electron-builder's messages are in ${relative(root, logFile)}).`,
    );
  }
  process.stderr.write(`${output.filter((l) => !/^\s*•/.test(l)).join('\n')}\n`);
  fail(`npm run dist failed: electron-builder could not package Atelier (its messages are above, and in ${relative(root, logFile)}).`);
}
process.exit(restoredOk ? 0 : 1);
