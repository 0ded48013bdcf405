// Errors a person can meet. They cross every process boundary as plain
// `{ code, message }`: a code a program branches on (one of the contract's
// ErrorCode list), a message a designer acts on. A neutral module: every room may
// import it, and it imports nothing but the contract.
import { ErrorCode, type ErrorCodeT } from '../src-preload/contract';

export class AtelierError extends Error {
  constructor(
    readonly code: ErrorCodeT,
    message: string,
  ) {
    super(message);
    this.name = 'AtelierError';
  }

  toJSON(): { code: ErrorCodeT; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** A code that crossed a process boundary as text: one of the list, else 'internal'. */
export function asErrorCode(code: string): ErrorCodeT {
  const parsed = ErrorCode.safeParse(code);
  return parsed.success ? parsed.data : 'internal';
}

export function toErrorPayload(error: unknown): { code: ErrorCodeT; message: string } {
  if (error instanceof AtelierError) return error.toJSON();
  if (error && typeof error === 'object' && 'code' in error && 'message' in error && typeof error.code === 'string') {
    const message = String(error.message);
    // Node's system errors (ENOENT, EACCES…) carry a code; keep their text, it names the file.
    return { code: /^E[A-Z]+$/.test(error.code) ? 'io' : asErrorCode(error.code), message };
  }
  if (error instanceof Error) return { code: 'internal', message: error.message };
  return { code: 'internal', message: String(error) };
}
