// Errors a person can meet. They cross every process boundary as plain
// `{ code, message }`: a code a program branches on, a message a designer acts on.
export class AtelierError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AtelierError';
  }

  toJSON(): { code: string; message: string } {
    return { code: this.code, message: this.message };
  }
}

export function toErrorPayload(error: unknown): { code: string; message: string } {
  if (error instanceof AtelierError) return error.toJSON();
  if (error && typeof error === 'object' && 'code' in error && 'message' in error && typeof error.code === 'string') {
    const message = String(error.message);
    // Node's system errors (ENOENT, EACCES…) carry a code; keep their text, it names the file.
    return { code: error.code.startsWith('E') ? 'io' : error.code, message };
  }
  if (error instanceof Error) return { code: 'internal', message: error.message };
  return { code: 'internal', message: String(error) };
}
