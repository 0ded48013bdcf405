// The log a person can attach to a bug report. One logger per process (the
// Electron main process, the CLI or headless studio, each job process), writing
// JSON lines to a file: `<project>/logs/atelier.log` while a project is open, else
// `atelier.log` in the app's log folder. The file is capped in size (the previous
// one is kept as atelier.log.1). Adapters keep printing what they print (the CLI's
// stderr); the file is written besides.
// A neutral module: every room may import it; it imports no room.
import { closeSync, existsSync, mkdirSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import pino from 'pino';

export const LOG_FILE = 'atelier.log';
/** A log file grows to this size, then becomes atelier.log.1 (replacing the older one) and a new one starts. */
export const LOG_MAX_BYTES = 5 * 1024 * 1024;

/**
 * Where logs go when no project is open and no folder was given (the CLI and the
 * headless studio): $XDG_STATE_HOME/atelier/logs, else ~/.atelier/logs. The
 * desktop app passes Electron's own logs folder instead.
 */
export function defaultLogFolder(env: NodeJS.ProcessEnv = process.env): string {
  const state = env.XDG_STATE_HOME;
  return state ? join(state, 'atelier', 'logs') : join(homedir(), '.atelier', 'logs');
}

/**
 * A file that never grows past `maxBytes`, made (with its folder) at the first line: written synchronously (a line is on disk
 * before a crash ends the process), appended to by every process of the studio.
 */
export class CappedFile {
  private fd: number | null = null;
  private size = 0;

  constructor(
    readonly path: string,
    private readonly maxBytes = LOG_MAX_BYTES,
  ) {}

  write(chunk: string): void {
    const bytes = Buffer.byteLength(chunk);
    if (this.fd === null || this.size + bytes > this.maxBytes) this.open(bytes);
    if (this.fd === null) return;
    writeSync(this.fd, chunk);
    this.size += bytes;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private open(incoming: number): void {
    this.close();
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      const current = existsSync(this.path) ? statSync(this.path).size : 0;
      // Another process may have rotated it already: only a full file is moved aside.
      if (current > 0 && current + incoming > this.maxBytes) renameSync(this.path, `${this.path}.1`);
      this.fd = openSync(this.path, 'a');
      this.size = statSync(this.path).size;
    } catch {
      // A log that cannot be written (read-only folder, full disk) never stops the studio.
      this.fd = null;
    }
  }
}

type Level = 'info' | 'warn' | 'error' | 'fatal';

let fallbackFolder = defaultLogFolder();
let file: CappedFile | null = null;
/** Whether lines go to a project's folder (else to the fallback folder). */
let inProject = false;
let base: Record<string, unknown> = {};

const logger = pino(
  { base: undefined, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } },
  { write: (line: string) => file?.write(line) },
);

/** The log file lines are written to now (null before any sink is chosen). */
export function logFile(): string | null {
  return file?.path ?? null;
}

/** Writes lines to `<folder>/atelier.log` from now on (the folder is made at the first line). */
export function logToFolder(folder: string): void {
  const path = join(folder, LOG_FILE);
  if (file?.path === path) return;
  file?.close();
  file = new CappedFile(path);
}

/** The folder used when no project is open (Electron's logs folder in the desktop app). */
export function setLogFallback(folder: string): void {
  fallbackFolder = folder;
  if (file && !inProject) logToFolder(folder);
}

/** Logs into the open project's logs/ folder, or into the fallback folder when none is open. */
export function logToProject(projectDir: string | null): void {
  inProject = projectDir !== null;
  logToFolder(projectDir ? join(projectDir, 'logs') : fallbackFolder);
}

/** Fields on every line of this process from now on (e.g. which process wrote it). */
export function logContext(fields: Record<string, unknown>): void {
  base = { ...base, ...fields };
}

function write(level: Level, message: string, error?: unknown): void {
  const fields: Record<string, unknown> = { ...base };
  // pino's own serializer turns an Error into its type, message, stack and own fields (e.g. code).
  if (error !== undefined) fields.err = error instanceof Error ? error : { message: String(error) };
  if (!file) logToFolder(fallbackFolder);
  logger[level](fields, message);
}

/** The process's log: a message, and for errors the error itself (its stack reaches the file). */
export const log = {
  info: (message: string) => write('info', message),
  warn: (message: string, error?: unknown) => write('warn', message, error),
  error: (message: string, error?: unknown) => write('error', message, error),
  fatal: (message: string, error?: unknown) => write('fatal', message, error),
};

let handlersInstalled = false;

/**
 * An uncaught exception or unhandled rejection leaves a line with its stack before the
 * process ends. Node's own handling is kept (the process still crashes as before):
 * the monitor only watches.
 */
export function installCrashHandlers(processName: string): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  logContext({ process: processName, pid: process.pid });
  process.on('uncaughtExceptionMonitor', (error, origin) => {
    write('fatal', `${processName} crashed (${origin === 'unhandledRejection' ? 'unhandled rejection' : 'uncaught exception'})`, error);
  });
}
