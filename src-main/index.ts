// The Electron entry, kept thin: app lifecycle, the window, the project-file
// protocol, and the router bound to ipcMain. Everything else is the engine.
// Its doors: IPC answers only the app's own page, no web permission is ever
// granted, project files come only from the folders the page shows (with the
// same headers as the headless studio), and the page's CSP is in index.html.
import Database from 'better-sqlite3';
import { app, BrowserWindow, dialog, ipcMain, protocol, session, shell, utilityProcess, type WebFrameMain } from 'electron';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { isAppPageUrl, type AppPages } from './host/app-page';
import { FILE_CSP, openProjectFile, projectFileHeaders } from './host/files';
import type { JobMessage, LaunchJob } from './host/job-protocol';
import { jobEntryBeside } from './host/jobs';
import { RecentProjects } from './host/recent-projects';
import { createStudio } from './host/studio';
import { installCrashHandlers, log, setLogFallback } from './log';
import { nativeLoadProblem } from './native-abi';

// A crash of the main process leaves its stack in the log a person can attach to a bug report.
installCrashHandlers('main');

const FILE_SCHEME = 'atelier-file';
protocol.registerSchemesAsPrivileged([{ scheme: FILE_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

const launchJob: LaunchJob = () => {
  const child = utilityProcess.fork(jobEntryBeside(import.meta.url), [], { serviceName: 'Atelier job', stdio: 'inherit' });
  return {
    send: (request) => child.postMessage(request),
    onMessage: (listener) => child.on('message', (message: JobMessage) => listener(message)),
    onExit: (listener) => child.on('exit', (code) => listener(code, null)),
    kill: () => void child.kill(),
  };
};

const studio = createStudio({ launchJob, prepareEvaluation: true, learnTaste: true, recentProjects: new RecentProjects() });

const RENDERER_HTML = join(import.meta.dirname, '../renderer/index.html');
const DEV_URL = !app.isPackaged && process.env.ELECTRON_RENDERER_URL ? process.env.ELECTRON_RENDERER_URL : null;
const APP_PAGES: AppPages = { rendererFile: pathToFileURL(RENDERER_HTML).href, devUrl: DEV_URL };

/** The main frame of the app's own page (not a subframe, not a page it was navigated to). */
function isAppFrame(frame: WebFrameMain | null): boolean {
  try {
    return frame !== null && frame.parent === null && isAppPageUrl(frame.url, APP_PAGES);
  } catch {
    return false; // a frame that is gone
  }
}

/** A project file for the page, by the same rules and with the same headers as the headless studio's /files/. */
async function projectFileResponse(request: Request): Promise<Response> {
  const plain = { 'content-type': 'text/plain; charset=utf-8', 'content-security-policy': FILE_CSP, 'x-content-type-options': 'nosniff' };
  const project = studio.project;
  const url = new URL(request.url);
  if (!project || url.host !== 'project') return new Response('Not found', { status: 404, headers: plain });
  let relative: string;
  try {
    relative = decodeURIComponent(url.pathname.slice(1));
  } catch {
    return new Response('Bad request', { status: 400, headers: plain });
  }
  await studio.filesWritten(); // a Generate answers before its PNGs are on disk
  const file = await openProjectFile(project.dir, relative);
  if (!file) return new Response('Not found', { status: 404, headers: plain });
  const headers = projectFileHeaders(file.type, file.size);
  if (request.method === 'HEAD' || file.size === 0) {
    await file.handle.close().catch(() => {});
    return new Response(null, { status: 200, headers });
  }
  // The stream owns the descriptor: closed at the end, on an error, or when the page cancels.
  const body = Readable.toWeb(createReadStream('', { fd: file.handle, start: 0, end: file.size - 1 })) as ReadableStream<Uint8Array>;
  return new Response(body, { status: 200, headers });
}

function projectFromArgs(): string | null {
  const i = process.argv.indexOf('--project');
  return i > 0 ? (process.argv[i + 1] ?? null) : null;
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1360,
    height: 880,
    minWidth: 960,
    minHeight: 600,
    backgroundColor: '#16171a',
    title: 'Atelier',
    show: false,
    webPreferences: {
      preload: join(import.meta.dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  win.once('ready-to-show', () => win.show());
  // No navigation away from the app and no new windows; links open in the browser.
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  win.webContents.on('will-redirect', (event) => event.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  const unsubscribe = studio.router.subscribe((event, payload) => {
    if (!win.isDestroyed()) win.webContents.send('atelier:event', { event, payload });
  });
  win.on('closed', unsubscribe);
  if (DEV_URL) void win.loadURL(DEV_URL);
  else void win.loadFile(RENDERER_HTML);
  return win;
}

// No web contents of the app ever hosts a <webview>.
app.on('web-contents-created', (_event, contents) => {
  contents.on('will-attach-webview', (event) => event.preventDefault());
});

app.whenReady().then(() => {
  // Without an open project the log goes to the app's own logs folder.
  setLogFallback(app.getPath('logs'));
  // better-sqlite3 built for Node's ABI instead of Electron's: say so and which command fixes it.
  const abi = nativeLoadProblem(() => new Database(':memory:').close());
  if (abi) {
    log.error(abi);
    dialog.showErrorBox('Atelier cannot start', abi);
    app.quit();
    return;
  }
  // The app asks for no web permission (camera, notifications, clipboard reads, HID, …): deny them all.
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  session.defaultSession.setDevicePermissionHandler(() => false);
  protocol.handle(FILE_SCHEME, (request) => projectFileResponse(request));
  ipcMain.handle('atelier:invoke', (event, message: { name?: unknown; input?: unknown } | null) => {
    if (!isAppFrame(event.senderFrame)) {
      return { ok: false, error: { code: 'forbidden', message: 'Only the Atelier page may call the engine.' } };
    }
    return studio.router.call(message?.name, message?.input);
  });
  const dir = projectFromArgs();
  if (dir) {
    try {
      studio.openProject(dir);
    } catch (error) {
      console.error(`Atelier: ${(error as Error).message}`);
      log.warn(`the project given with --project could not be opened: ${dir}`, error);
    }
  }
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

app.on('will-quit', () => studio.close());
