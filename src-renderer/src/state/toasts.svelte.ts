// The stack of dismissible messages in the corner: every failed API call lands here. A message
// with a key is one slot: showing it again replaces it in place (a run of ratings is one
// confirmation, not a stack), and it may offer one action (Undo).
import { errorMessage, reportErrorsTo } from '../lib/api';

export type ToastKind = 'error' | 'info' | 'success';

export interface ToastAction {
  label: string;
  /** The action's accessible name, when the label alone is too short ("Undo" → "Undo these 3 ratings"). */
  description?: string;
  run: () => void;
}

export interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
  /** How many times the same message arrived while this toast was up. */
  repeats: number;
  /** The slot a keyed message fills (see `show`). */
  key?: string;
  action?: ToastAction;
}

const MAX_TOASTS = 4;

export class Toasts {
  items = $state<Toast[]>([]);
  private nextId = 1;
  private timers = new Map<number, ReturnType<typeof setTimeout>>();

  push(kind: ToastKind, message: string, timeoutMs = kind === 'error' ? 0 : 5000): void {
    const same = this.items.find((t) => t.kind === kind && t.message === message && t.key === undefined);
    if (same) {
      same.repeats++;
      return;
    }
    const toast: Toast = { id: this.nextId++, kind, message, repeats: 1 };
    this.items = [...this.items, toast].slice(-MAX_TOASTS);
    this.expire(toast.id, timeoutMs);
  }

  /** Shows the message in `key`'s slot: replaces the one there (keeping its place) and starts its time again. */
  show(key: string, kind: ToastKind, message: string, options: { action?: ToastAction; timeoutMs?: number } = {}): void {
    const timeoutMs = options.timeoutMs ?? (kind === 'error' ? 0 : options.action ? 8000 : 5000);
    const current = this.items.find((t) => t.key === key);
    if (current) {
      current.kind = kind;
      current.message = message;
      current.action = options.action;
      this.expire(current.id, timeoutMs);
      return;
    }
    const toast: Toast = { id: this.nextId++, kind, message, repeats: 1, key, action: options.action };
    this.items = [...this.items, toast].slice(-MAX_TOASTS);
    this.expire(toast.id, timeoutMs);
  }

  /** Whether `key`'s slot is showing. */
  has(key: string): boolean {
    return this.items.some((t) => t.key === key);
  }

  dismissKey(key: string): void {
    const toast = this.items.find((t) => t.key === key);
    if (toast) this.dismiss(toast.id);
  }

  error(error: unknown): void {
    this.push('error', errorMessage(error));
  }

  dismiss(id: number): void {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    this.items = this.items.filter((t) => t.id !== id);
  }

  private expire(id: number, timeoutMs: number): void {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    if (timeoutMs > 0)
      this.timers.set(
        id,
        setTimeout(() => this.dismiss(id), timeoutMs),
      );
  }
}

export const toasts = new Toasts();
reportErrorsTo((error) => toasts.error(error));
