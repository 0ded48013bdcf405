// What the page says about a thrown error: a sentence a person can act on, and whether the
// engine sent it (so a safety net does not report it twice). No window, no transport.
import { ApiError } from '../../../src-preload/api';

/** A sentence a person can act on, from whatever was thrown. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string') {
    return error.message; // An ApiError that crossed the Electron context bridge arrives as a plain object.
  }
  return String(error);
}

/** True when an error has already been reported by `api` (so a safety net does not toast it twice). */
export function isApiError(error: unknown): boolean {
  return error instanceof ApiError || (typeof error === 'object' && error !== null && 'code' in error && 'message' in error);
}
