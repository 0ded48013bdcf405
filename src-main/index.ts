// The Electron entry, kept thin: app lifecycle, the window, the project-file
// protocol, and the router bound to ipcMain. Everything else is the engine.
import { app, BrowserWindow, ipcMain, net, protocol, shell, utilityProcess } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { insideFolder } from './host/files';
import type { JobMessage, LaunchJob } from './host/job-protocol';
import { jobEntryBeside } from './host/jobs';
import { createStudio } from './host/studio';

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

const studio = createStudio({ launchJob });

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
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  const unsubscribe = studio.router.subscribe((event, payload) => {
    if (!win.isDestroyed()) win.webContents.send('atelier:event', { event, payload });
  });
  win.on('closed', unsubscribe);
  if (!app.isPackaged && process.env.ELECTRON_RENDERER_URL) void win.loadURL(process.env.ELECTRON_RENDERER_URL);
  else void win.loadFile(join(import.meta.dirname, '../renderer/index.html'));
  return win;
}

app.whenReady().then(() => {
  protocol.handle(FILE_SCHEME, async (request) => {
    const project = studio.project;
    const url = new URL(request.url);
    const file = project ? insideFolder(project.dir, decodeURIComponent(url.pathname.slice(1))) : null;
    if (!file) return new Response('Not found', { status: 404 });
    await studio.filesWritten(); // a Generate answers before its PNGs are on disk
    return net.fetch(pathToFileURL(file).toString());
  });
  ipcMain.handle('atelier:invoke', (_event, message: { name?: unknown; input?: unknown } | null) =>
    studio.router.call(message?.name, message?.input),
  );
  const dir = projectFromArgs();
  if (dir) {
    try {
      studio.openProject(dir);
    } catch (error) {
      console.error(`Atelier: ${(error as Error).message}`);
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
