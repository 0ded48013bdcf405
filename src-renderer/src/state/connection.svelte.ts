// Whether the page is connected to the engine. In a browser (the headless studio) the
// event socket tells: live, down (the studio stopped; retrying) or stale (the studio
// refuses this page's token). The desktop app is always live.
import { quietApi } from '../lib/api';
import { onConnection, type ConnectionState } from '../lib/web-transport';

export class Connection {
  state = $state<ConnectionState>(quietApi.transport === 'web' ? 'connecting' : 'live');
  /** When the next try is, in ms from the last change (null while none is planned). */
  retryInMs = $state<number | null>(null);
  /** True once the studio came back after being down: screens reload what they show. */
  private wasDown = false;
  private backListeners = new Set<() => void>();

  /** False while what the page shows as running may be stale. */
  get live(): boolean {
    return this.state === 'live' || this.state === 'connecting';
  }

  constructor() {
    if (quietApi.transport !== 'web') return;
    onConnection((state, retryInMs) => {
      this.state = state;
      this.retryInMs = retryInMs;
      if (state === 'down' || state === 'stale') this.wasDown = true;
      else if (state === 'live' && this.wasDown) {
        this.wasDown = false;
        for (const listener of this.backListeners) listener();
      }
    });
    // The socket is opened by the first event listener; the Welcome screen has none, and
    // the banner must know about a stopped studio there too.
    quietApi.on('job:finished', () => {});
  }

  /** Called each time the studio comes back after being down. */
  onBack(listener: () => void): () => void {
    this.backListeners.add(listener);
    return () => this.backListeners.delete(listener);
  }
}

export const connection = new Connection();
