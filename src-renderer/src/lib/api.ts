// Where the renderer gets its typed API. In Electron the preload has already built
// it and exposed it as `window.atelier`; in a browser (the headless studio) it is
// built here over HTTP + WebSocket. Every rejected call is also reported to the
// toast stack, unless the caller shows the error itself (`quietApi`).
import { buildApi, type Api } from '../../../src-preload/api';
import { reportingApi } from './errors';
import { webTransport } from './web-transport';

declare global {
  interface Window {
    atelier?: Api;
  }
}

/** The API as the transport gives it: errors reach only the caller. */
export const quietApi: Api = window.atelier ?? buildApi(webTransport());

type ErrorReporter = (error: unknown) => void;
let reporter: ErrorReporter = () => {};

/** Called once by the toast stack: every rejected call through `api` goes there. */
export function reportErrorsTo(report: ErrorReporter): void {
  reporter = report;
}

/** The API components use: a rejected call also raises a toast. */
export const api: Api = reportingApi(quietApi, (error) => reporter(error));

// Reading a thrown error lives beside, free of the window, so state managers and their specs use it too.
export { errorMessage, isApiError } from './errors';
