// Which page the desktop app trusts with its IPC: its own renderer, loaded from
// the built file next to the main bundle, or (unpackaged, in development) the
// electron-vite dev server. Kept free of Electron so it can be tested.

export interface AppPages {
  /** file:// URL of the built renderer's index.html. */
  rendererFile: string;
  /** The dev server's URL when the app runs unpackaged with ELECTRON_RENDERER_URL, else null. */
  devUrl: string | null;
}

/** True when `raw` is the app's own page (any fragment or query), never another file or origin. */
export function isAppPageUrl(raw: string, pages: AppPages): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol === 'file:') {
    const expected = new URL(pages.rendererFile);
    return url.host === expected.host && samePath(url.pathname, expected.pathname);
  }
  if (!pages.devUrl) return false;
  let dev: URL;
  try {
    dev = new URL(pages.devUrl);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === dev.origin;
}

/** Percent-encoding may differ between Chromium and Node; Windows paths ignore case. */
function samePath(a: string, b: string): boolean {
  const norm = (p: string) => {
    let decoded: string;
    try {
      decoded = decodeURI(p);
    } catch {
      decoded = p;
    }
    return process.platform === 'win32' ? decoded.toLowerCase() : decoded;
  };
  return norm(a) === norm(b);
}
