// An ABI mismatch (a native module built for Node loaded by Electron, or the other way round)
// is said in one sentence with the command that fixes it, for each runtime. The error text is
// Node's own (node_binding.cc), as Node 20 and Electron print it.
import { describe, expect, it } from 'vitest';
import { currentRuntime, explainNativeLoadError, nativeLoadProblem, nativePackageOf } from '../../../src-main/native-abi';
import { AtelierError } from '../../../src-main/errors';

function dlopenError(file: string, builtFor: number, needs: number): Error {
  const error = new Error(
    `The module '${file}'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION ${builtFor}. This version of Node.js requires\n` +
      `NODE_MODULE_VERSION ${needs}. Please try re-compiling or re-installing\nthe module (for instance, using \`npm rebuild\` or \`npm install\`).`,
  );
  return Object.assign(error, { code: 'ERR_DLOPEN_FAILED' });
}

const SQLITE = '/home/ana/atelier/node_modules/better-sqlite3/build/Release/better_sqlite3.node';
const oneSentence = (s: string) => expect(s.split(/[.;:]\s+[A-Z]/).length).toBe(1);

describe('explainNativeLoadError', () => {
  it('under Node (tests, CLI, headless studio): npm rebuild of that package', () => {
    const text = explainNativeLoadError(dlopenError(SQLITE, 140, 115), { node: '20.20.2', packaged: false });
    expect(text).toContain('better-sqlite3');
    expect(text).toContain('NODE_MODULE_VERSION 140');
    expect(text).toContain('Node.js 20.20.2 (NODE_MODULE_VERSION 115)');
    expect(text).toContain('`npm rebuild better-sqlite3`');
    expect(text).not.toContain('\n');
    oneSentence(text!);
  });

  it('under Electron from the source folder: electron-builder install-app-deps', () => {
    const text = explainNativeLoadError(dlopenError(SQLITE, 115, 140), { electron: '45.5.0', node: '22.20.0', packaged: false });
    expect(text).toContain('Electron 45.5.0 (NODE_MODULE_VERSION 140)');
    expect(text).toContain('`npx electron-builder install-app-deps`');
    expect(text).toContain('`npm rebuild better-sqlite3`');
    oneSentence(text!);
  });

  it('in an installed app: reinstall', () => {
    const file =
      'C:\\Users\\ana\\AppData\\Local\\Programs\\Atelier\\resources\\app.asar.unpacked\\node_modules\\better-sqlite3\\build\\Release\\better_sqlite3.node';
    const packaged = explainNativeLoadError(dlopenError(file, 115, 140), { electron: '45.5.0', node: '22.20.0', packaged: true });
    expect(packaged).toMatch(/damaged.*better-sqlite3.*reinstall Atelier/);
    // The path alone says it is installed, even when the runtime could not tell.
    expect(explainNativeLoadError(dlopenError(file, 115, 140), { electron: '45.5.0', node: '22.20.0', packaged: false })).toBe(packaged);
  });

  it('names scoped packages (tfjs-node) and works on the wrapped message too', () => {
    const file = '/srv/atelier/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node';
    expect(nativePackageOf(file)).toBe('@tensorflow/tfjs-node');
    const wrapped = new AtelierError('store-unreadable', `x.atelier cannot be opened: ${dlopenError(file, 140, 115).message}`);
    expect(explainNativeLoadError(wrapped, { node: '20.20.2', packaged: false })).toContain('`npm rebuild @tensorflow/tfjs-node`');
    expect(explainNativeLoadError(dlopenError('/tmp/addon.node', 140, 115), { node: '20.20.2', packaged: false })).toContain('`npm rebuild`');
  });

  it('says nothing about other load failures', () => {
    expect(explainNativeLoadError(new Error("Cannot find module 'better-sqlite3'"), { node: '20.20.2', packaged: false })).toBeNull();
    expect(explainNativeLoadError(new Error('SQLITE_CANTOPEN: unable to open database file'), { node: '20.20.2', packaged: false })).toBeNull();
    expect(explainNativeLoadError(undefined, { node: '20.20.2', packaged: false })).toBeNull();
  });

  it('runs a load and explains only a mismatch', () => {
    const runtime = { node: '20.20.2', packaged: false };
    expect(nativeLoadProblem(() => 1, runtime)).toBeNull();
    expect(
      nativeLoadProblem(() => {
        throw new Error('disk full');
      }, runtime),
    ).toBeNull();
    expect(
      nativeLoadProblem(() => {
        throw dlopenError(SQLITE, 140, 115);
      }, runtime),
    ).toContain('npm rebuild better-sqlite3');
  });

  it('knows this process is plain Node, not an installed app, and better-sqlite3 loads here', async () => {
    expect(currentRuntime()).toMatchObject({ electron: undefined, node: process.versions.node, packaged: false });
    const { default: Database } = await import('better-sqlite3');
    expect(nativeLoadProblem(() => new Database(':memory:').close())).toBeNull();
  });
});
