// Native modules (better-sqlite3, and @tensorflow/tfjs-node / -gpu where installed) are built
// for one runtime's ABI: Node's for `npm test`, the CLI and the headless studio, Electron's for
// the desktop app (packaging rebuilds them, see docs/packaging.md). When one is loaded by the
// other runtime, Node says "was compiled against a different Node.js version using
// NODE_MODULE_VERSION X"; this says in one sentence what happened and which command fixes it.
// A neutral module: no imports of ours, pure apart from currentRuntime().

/** The runtime a native module is being loaded into. */
export interface NativeRuntime {
  /** Electron's version when running inside Electron (main or utility process). */
  electron?: string;
  /** Node's version (inside Electron: the Node it embeds). */
  node: string;
  /** This runtime's NODE_MODULE_VERSION, when known (Node's message names it too). */
  modules?: string;
  /** An installed app (not `electron .` / electron-vite dev from the source folder). */
  packaged: boolean;
}

const MISMATCH = /NODE_MODULE_VERSION\s+(\d+)\.\s*This version of (?:Node\.js|Electron) requires\s+NODE_MODULE_VERSION\s+(\d+)/;

/** The npm package a native file belongs to: the last `node_modules/<name>` (or `@scope/name`) in its path. */
export function nativePackageOf(text: string): string | null {
  const matches = [...text.matchAll(/node_modules[\\/]((?:@[^\\/\s'"]+[\\/])?[^\\/\s'"]+)/g)];
  const last = matches.at(-1)?.[1];
  return last ? last.replace(/\\/g, '/') : null;
}

/**
 * One sentence saying that a native module was built for another runtime and which command
 * fixes it, or null when `error` is not an ABI mismatch.
 */
export function explainNativeLoadError(error: unknown, runtime: NativeRuntime): string | null {
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
  const m = MISMATCH.exec(message);
  if (!m) return null;
  const [, builtFor, needs] = m;
  const pkg = nativePackageOf(message);
  const name = pkg ?? 'a native module';
  const rebuildForNode = `npm rebuild${pkg ? ` ${pkg}` : ''}`;
  const packaged = runtime.packaged || /app\.asar\.unpacked/.test(message);
  if (runtime.electron && packaged) {
    return `This Atelier installation is damaged: its ${name} was built for NODE_MODULE_VERSION ${builtFor} but its Electron ${runtime.electron} needs NODE_MODULE_VERSION ${needs}; reinstall Atelier from its installer.`;
  }
  if (runtime.electron) {
    return (
      `${name} was built for a different runtime (NODE_MODULE_VERSION ${builtFor}, usually Node.js's) than this Electron ${runtime.electron} ` +
      `(NODE_MODULE_VERSION ${needs}): run \`npx electron-builder install-app-deps\` in the Atelier folder to rebuild it for Electron ` +
      `(and \`${rebuildForNode}\` before running the tests or the CLI again).`
    );
  }
  return (
    `${name} was built for a different runtime (NODE_MODULE_VERSION ${builtFor}, usually Electron's, left by packaging or ` +
    `\`electron-builder install-app-deps\`) than this Node.js ${runtime.node} (NODE_MODULE_VERSION ${needs}): run ` +
    `\`${rebuildForNode}\` in the Atelier folder to rebuild it for Node.js.`
  );
}

/** The runtime this process is. */
export function currentRuntime(): NativeRuntime {
  const electron = process.versions.electron;
  // `electron .` (and electron-vite dev) run the Electron binary installed in node_modules and set
  // process.defaultApp; an installed app runs its own binary.
  const fromSource = (process as { defaultApp?: boolean }).defaultApp === true || /[\\/]node_modules[\\/]electron[\\/]/.test(process.execPath);
  return { electron, node: process.versions.node, modules: process.versions.modules, packaged: Boolean(electron) && !fromSource };
}

/** Runs `load` (which loads a native module): the explanation when it fails with an ABI mismatch; null when it loads or fails otherwise. */
export function nativeLoadProblem(load: () => unknown, runtime: NativeRuntime = currentRuntime()): string | null {
  try {
    load();
    return null;
  } catch (error) {
    return explainNativeLoadError(error, runtime);
  }
}
