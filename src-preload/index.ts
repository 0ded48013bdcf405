// The preload: exposes only the typed API built from the contract. The page
// never sees ipcRenderer or a channel name.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { ApiError, buildApi } from './api';
import type { EventName } from './contract';

const api = buildApi({
  kind: 'electron',
  async invoke(name, input) {
    const result = (await ipcRenderer.invoke('atelier:invoke', { name, input })) as
      { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };
    if (!result.ok) throw new ApiError(result.error.code, result.error.message);
    return result.result;
  },
  subscribe(listener) {
    const handler = (_event: unknown, message: { event: EventName; payload: unknown }) => listener(message.event, message.payload);
    ipcRenderer.on('atelier:event', handler);
    return () => ipcRenderer.off('atelier:event', handler);
  },
  pathForFile: (file) => webUtils.getPathForFile(file) || null,
  fileUrl: (file) => `atelier-file://project/${file.split('/').map(encodeURIComponent).join('/')}`,
});

contextBridge.exposeInMainWorld('atelier', api);
