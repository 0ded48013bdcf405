// electron-builder.yml, checked offline: against electron-builder's own schema (with the validator
// electron-builder runs before packaging), and against what the packaged app needs at run time:
// every target the issue asks for, icons of the right sizes, native modules outside the asar, and
// every entry file the app starts (the Electron entry, the preload, the page, the job process,
// the worker threads) inside the package. Matching uses electron-builder's own file matcher.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load(text: string): unknown };
const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
  validateConfiguration(config: unknown, debugLogger: { isEnabled: boolean; add(key: string, value: unknown): void }): Promise<void>;
};
const { FileMatcher } = require('app-builder-lib/out/fileMatcher.js') as {
  FileMatcher: new (
    from: string,
    to: string,
    expand: (s: string) => string,
    patterns: string[],
  ) => {
    createFilter(): (file: string, stat: { isDirectory(): boolean }) => boolean;
  };
};

type Config = Record<string, unknown> & {
  files: string[];
  asarUnpack: string[];
  npmRebuild: boolean;
  directories: { buildResources: string; output: string };
  linux: { target: string[]; icon: string; maintainer: string; synopsis: string; description: string; files: string[] };
  win: { target: string; icon: string; files: string[] };
  nsis: { oneClick: boolean; perMachine: boolean; installerIcon: string };
  mac: { target: string; icon: string; category: string; hardenedRuntime: boolean; files: string[] };
};

const config = yaml.load(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as Config;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  main: string;
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
};
const quiet = { isEnabled: false, add() {} };
const FILE = { isDirectory: () => false };

/** Whether electron-builder's matcher for these patterns takes `relative` (a path inside the project). */
function matches(patterns: string[], relative: string): boolean {
  return new FileMatcher(ROOT, ROOT, (s) => s, patterns).createFilter()(join(ROOT, relative), FILE);
}

/**
 * Whether `relative` goes into the package, as electron-builder decides: the app's own files by
 * `files`; the runtime dependencies' files all, except what an exclusion (`!…`) in `files` leaves out.
 */
function packaged(relative: string): boolean {
  if (relative.startsWith('node_modules/')) return matches(['**/*', ...config.files.filter((p) => p.startsWith('!'))], relative);
  return matches(config.files, relative);
}

function pngSize(file: string): { width: number; height: number } {
  const b = readFileSync(file);
  expect(b.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

describe('electron-builder.yml', () => {
  it("passes electron-builder's own schema validation", async () => {
    await expect(validateConfiguration(structuredClone(config), quiet)).resolves.toBeUndefined();
  });

  it('would fail on an unknown key or a wrong type (the check has teeth)', async () => {
    await expect(validateConfiguration({ ...structuredClone(config), nsisx: {} }, quiet)).rejects.toThrow(/unknown property 'nsisx'/);
    await expect(validateConfiguration({ ...structuredClone(config), linux: { ...config.linux, synopsys: 'x' } }, quiet)).rejects.toThrow(
      /configuration\.linux/,
    );
    await expect(validateConfiguration({ ...structuredClone(config), nsis: { ...config.nsis, perMachine: 'maybe' } }, quiet)).rejects.toThrow(
      /perMachine should be a boolean/,
    );
  });

  it('builds AppImage and deb on Linux, a per-user NSIS installer on Windows and a dmg on macOS', () => {
    expect(config.linux.target).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(config.linux.maintainer).toBeTruthy();
    expect(config.linux.synopsis).toBeTruthy();
    expect(config.linux.description).toBeTruthy();
    expect(config.win.target).toBe('nsis');
    expect(config.nsis.perMachine).toBe(false);
    expect(config.mac.target).toBe('dmg');
    expect(config.mac.category).toMatch(/^public\.app-category\./);
    expect(typeof config.mac.hardenedRuntime).toBe('boolean');
  });

  it('has every icon ready-made, at the sizes each platform takes (no conversion tool to download)', () => {
    const res = join(ROOT, config.directories.buildResources);
    expect(pngSize(join(res, 'icon.png'))).toEqual({ width: 1024, height: 1024 });
    expect(existsSync(join(res, 'icon.svg'))).toBe(true);
    // Linux: a folder of NxN.png.
    expect(join(ROOT, config.linux.icon)).toBe(join(res, 'icons'));
    const linux = readdirSync(join(res, 'icons'));
    for (const size of [16, 32, 48, 64, 128, 256, 512]) expect(linux).toContain(`${size}x${size}.png`);
    for (const name of linux) {
      const size = Number(/^(\d+)x\d+\.png$/.exec(name)?.[1]);
      expect(pngSize(join(res, 'icons', name))).toEqual({ width: size, height: size });
    }
    // Windows: an ICO with a 256 px image (electron-builder refuses smaller) and the small sizes.
    for (const ico of [config.win.icon, config.nsis.installerIcon]) {
      const b = readFileSync(join(ROOT, ico));
      expect([b.readUInt16LE(0), b.readUInt16LE(2)]).toEqual([0, 1]);
      const sizes = Array.from({ length: b.readUInt16LE(4) }, (_, i) => b[6 + i * 16] || 256);
      expect(sizes).toEqual(expect.arrayContaining([16, 32, 48, 256]));
    }
    // macOS: an icns whose length is right and that holds the 1024 px (ic10) image.
    const icns = readFileSync(join(ROOT, config.mac.icon));
    expect(icns.subarray(0, 4).toString('latin1')).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    const types: string[] = [];
    for (let at = 8; at < icns.length; at += icns.readUInt32BE(at + 4)) types.push(icns.subarray(at, at + 4).toString('latin1'));
    expect(types).toEqual(expect.arrayContaining(['ic07', 'ic08', 'ic09', 'ic10']));
  });

  it("rebuilds native modules for Electron's ABI and keeps every native module of the dependencies outside the asar", () => {
    expect(config.npmRebuild).toBe(true);
    const deps = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.optionalDependencies ?? {})];
    // Native: the ones the issue names (installed or not), and any installed dependency with a binding.gyp.
    const native = new Set(deps.filter((d) => ['better-sqlite3', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'].includes(d)));
    for (const d of deps) if (existsSync(join(ROOT, 'node_modules', d, 'binding.gyp'))) native.add(d);
    expect([...native]).toEqual(expect.arrayContaining(['better-sqlite3', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu']));
    for (const d of native) {
      expect(matches(config.asarUnpack, `node_modules/${d}/build/Release/addon.node`), d).toBe(true);
      expect(matches(config.asarUnpack, `node_modules/${d}/lib/napi-v8/binding.node`), d).toBe(true);
    }
    // sharp's prebuilt libvips binding, and the WASM backend's binaries.
    expect(matches(config.asarUnpack, 'node_modules/@img/sharp-linux-x64/lib/sharp-linux-x64.node')).toBe(true);
    expect(matches(config.asarUnpack, 'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')).toBe(true);
    // And what better-sqlite3 loads is packaged at all (the trimmed build folders are not).
    expect(packaged('node_modules/better-sqlite3/build/Release/better_sqlite3.node')).toBe(true);
    expect(packaged('node_modules/better-sqlite3/lib/index.js')).toBe(true);
    expect(packaged('node_modules/better-sqlite3/deps/sqlite3/sqlite3.c')).toBe(false);
  });

  it("keeps Dawn's WebGPU bindings outside the asar, and only the platform's own in each package", () => {
    const dist = readdirSync(join(ROOT, 'node_modules/webgpu/dist'));
    expect(dist).toEqual(expect.arrayContaining(['linux-x64', 'darwin-universal', 'win32-x64']));
    const platforms = { linux: config.linux, win: config.win, mac: config.mac } as const;
    const own = { linux: 'linux-', win: 'win32-', mac: 'darwin-' } as const;
    for (const [platform, section] of Object.entries(platforms) as [keyof typeof platforms, { files: string[] }][]) {
      // electron-builder adds a platform's `files` to the top-level ones.
      const excluded = [...config.files, ...section.files].filter((p) => p.startsWith('!'));
      const kept = dist.filter((folder) => matches(['**/*', ...excluded], `node_modules/webgpu/dist/${folder}/dawn.node`));
      expect(kept.length, platform).toBeGreaterThan(0);
      expect(
        kept.every((folder) => folder.startsWith(own[platform])),
        `${platform}: ${kept.join(', ')}`,
      ).toBe(true);
    }
    expect(matches(config.asarUnpack, 'node_modules/webgpu/dist/linux-x64/dawn.node')).toBe(true);
    expect(packaged('node_modules/webgpu/index.js')).toBe(true);
  });

  it("packages electron-vite's out/main, out/preload and out/renderer, without source maps", () => {
    expect(packaged(pkg.main)).toBe(true);
    expect(packaged('out/main/chunks/studio-abc123.js')).toBe(true);
    expect(packaged('out/preload/index.cjs')).toBe(true);
    expect(packaged('out/renderer/index.html')).toBe(true);
    expect(packaged('out/renderer/assets/index-abc123.js')).toBe(true);
    expect(packaged('out/main/index.js.map')).toBe(false);
    expect(packaged('src-main/index.ts')).toBe(false);
    // The runtime data the engine reads from its dependencies stays in.
    expect(packaged('node_modules/emoji-datasource-twitter/img/twitter/64/1f600.png')).toBe(true);
    expect(packaged('node_modules/nsfwjs/dist/models/mobilenet_v2/model.min.js')).toBe(true);
  });

  it('packages every entry file the app starts: the job process (utilityProcess) and the worker threads', async () => {
    const source = (f: string) => readFileSync(join(ROOT, f), 'utf8');
    // What the code starts, by name: jobEntryBeside's job-process, and each spawnWorker(name, …).
    const started = new Set<string>();
    if (/job-process\$\{ext\}/.test(source('src-main/host/jobs.ts'))) started.add('job-process');
    const walk = (dir: string): string[] =>
      readdirSync(join(ROOT, dir)).flatMap((n) => (statSync(join(ROOT, dir, n)).isDirectory() ? walk(join(dir, n)) : n.endsWith('.ts') ? [join(dir, n)] : []));
    for (const f of walk('src-main')) for (const m of source(f).matchAll(/spawnWorker\('([\w-]+)'/g)) started.add(m[1]!);
    expect([...started]).toEqual(expect.arrayContaining(['job-process', 'replica-worker', 'draw-worker']));
    // Each is an entry electron-vite builds into out/main, and out/main/<name>.js is packaged.
    const viteConfig = (await import('../../../electron.vite.config')).default as { main: { build: { rolldownOptions: { input: Record<string, string> } } } };
    const inputs = Object.keys(viteConfig.main.build.rolldownOptions.input);
    expect(inputs).toContain('index');
    for (const name of started) {
      expect(inputs, name).toContain(name);
      expect(packaged(`out/main/${name}.js`), name).toBe(true);
    }
  });
});
