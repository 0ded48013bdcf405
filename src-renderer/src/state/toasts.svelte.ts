// The stack of dismissible messages in the corner: every failed API call lands here.
import { errorMessage, reportErrorsTo } from '../lib/api';

export type ToastKind = 'error' | 'info' | 'success';

export interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
  /** How many times the same message arrived while this toast was up. */
  repeats: number;
}

const MAX_TOASTS = 4;

export class Toasts {
  items = $state<Toast[]>([]);
  private nextId = 1;
  private timers = new Map<number, ReturnType<typeof setTimeout>>();

  push(kind: ToastKind, message: string, timeoutMs = kind === 'error' ? 0 : 5000): void {
    const same = this.items.find((t) => t.kind === kind && t.message === message);
    if (same) {
      same.repeats++;
      return;
    }
    const toast: Toast = { id: this.nextId++, kind, message, repeats: 1 };
    this.items = [...this.items, toast].slice(-MAX_TOASTS);
    if (timeoutMs > 0)
      this.timers.set(
        toast.id,
        setTimeout(() => this.dismiss(toast.id), timeoutMs),
      );
  }

  error(error: unknown): void {
    this.push('error', errorMessage(error));
  }

  dismiss(id: number): void {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    this.items = this.items.filter((t) => t.id !== id);
  }
}

export const toasts = new Toasts();
reportErrorsTo((error) => toasts.error(error));
