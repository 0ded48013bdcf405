// `npm start`: builds if needed, then opens the desktop app. Where the Electron
// binary cannot be had (or there is no display), it says so and opens the
// headless studio with the starter project instead, printing its URL.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const node = process.execPath;

function newest(path) {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((e) => newest(join(path, e))));
}

const sources = Math.max(...['src-main', 'src-preload', 'src-renderer', 'electron.vite.config.ts', 'package.json'].map((p) => newest(join(root, p))));
const built = ['out/main/cli.js', 'out/main/index.js', 'out/renderer/index.html'].map((p) => join(root, p));
if (built.some((f) => !existsSync(f)) || Math.min(...built.map((f) => statSync(f).mtimeMs)) < sources) {
  console.log('Building Atelier…');
  const build = spawnSync(node, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

function electronBinary() {
  const dir = join(root, 'node_modules/electron');
  const pathFile = join(dir, 'path.txt');
  const binary = () => (existsSync(pathFile) ? join(dir, 'dist', readFileSync(pathFile, 'utf8')) : null);
  if (binary() && existsSync(binary())) return { path: binary() };
  // Electron 45 fetches its binary on first launch; try once.
  const fetched = spawnSync(node, [join(dir, 'install.js')], { cwd: root, encoding: 'utf8', timeout: 300_000 });
  if (fetched.status === 0 && binary() && existsSync(binary())) return { path: binary() };
  const reason =
    (fetched.stderr || fetched.stdout || '')
      .trim()
      .split('\n')
      .find((l) => /error|fail/i.test(l)) ?? 'download failed';
  return { reason: `the Electron binary could not be downloaded (${reason.trim()})` };
}

const electron = electronBinary();
const display = process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
if (electron.path && display) {
  const app = spawn(electron.path, [root, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
  app.on('exit', (code) => process.exit(code ?? 0));
} else {
  const why = electron.path ? 'there is no display to open a window on' : electron.reason;
  console.log(`\nAtelier cannot open its desktop window here: ${why}.`);
  console.log('Opening the headless studio with the starter project instead — the same app, in your browser.\n');
  const project = join(root, 'projects', 'starter');
  const cli = join(root, 'out/main/cli.js');
  if (!existsSync(join(project, 'atelier.db'))) {
    console.log(`Creating the starter project in ${project} from the 3,786 Twemoji PNGs (CC-BY 4.0)…`);
    const made = spawnSync(node, [cli, 'new', project, '--starter'], { cwd: root, stdio: 'inherit' });
    if (made.status !== 0) process.exit(made.status ?? 1);
  }
  const port = process.env.ATELIER_PORT ?? '4178';
  const studio = spawn(node, [cli, 'studio', project, '--port', port], { cwd: root, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => studio.kill(signal));
  studio.on('exit', (code) => process.exit(code ?? 0));
}
