// Files a person picked or dropped in a browser, each with the path it has below what was
// chosen (`knight.png`, `characters/knight/a.png`): a folder keeps its structure, so its
// subfolders become tags as they do when the folder's path is typed. Hidden files and
// folders (`.DS_Store`, `.git/`) are left out, as the import leaves them out of a folder.

export interface PickedFile {
  file: File;
  /** Relative path with `/` between parts. */
  path: string;
}

/** True when no part of `path` is hidden (starts with a dot). */
export const isVisible = (path: string): boolean => path.split('/').every((part) => part !== '' && !part.startsWith('.'));

/** The files of a file input: a folder picker (webkitdirectory) names each file below the folder, a file picker by its name. */
export function fromFileList(files: ArrayLike<File>): PickedFile[] {
  const picked: PickedFile[] = [];
  for (const file of Array.from(files)) {
    const path = file.webkitRelativePath || file.name;
    if (isVisible(path)) picked.push({ file, path });
  }
  return picked;
}

/** What a drop's entries look like (the File and Directory Entries API), only as much as is read here. */
export interface DroppedEntry {
  isFile: boolean;
  isDirectory: boolean;
  name: string;
  file?(success: (file: File) => void, failure?: (error: unknown) => void): void;
  createReader?(): { readEntries(success: (entries: DroppedEntry[]) => void, failure?: (error: unknown) => void): void };
}

/** Every file below an entry, with its path from the entry's parent. */
async function walk(entry: DroppedEntry, prefix: string, out: PickedFile[]): Promise<void> {
  const path = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (!isVisible(path)) return;
  if (entry.isFile && entry.file) {
    const file = await new Promise<File>((resolve, reject) => entry.file!(resolve, reject));
    out.push({ file, path });
  } else if (entry.isDirectory && entry.createReader) {
    const reader = entry.createReader();
    // A reader hands out a folder's entries in batches (100 in Chromium) until an empty one.
    for (;;) {
      const batch = await new Promise<DroppedEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
      if (batch.length === 0) break;
      for (const child of batch) await walk(child, path, out);
    }
  }
}

/**
 * What was dropped, folders read through. Must be called during the drop event (a browser
 * empties the DataTransfer afterwards); the folders are then read at leisure.
 */
export function fromDrop(data: DataTransfer | null): Promise<PickedFile[]> {
  if (!data) return Promise.resolve([]);
  const entries: DroppedEntry[] = [];
  const loose: File[] = [];
  for (const item of Array.from(data.items ?? [])) {
    if (item.kind !== 'file') continue;
    const entry = (item.webkitGetAsEntry?.() ?? null) as DroppedEntry | null;
    if (entry) entries.push(entry);
    else {
      // A drop made by a script (or an old browser) has files but no entries.
      const file = item.getAsFile();
      if (file) loose.push(file);
    }
  }
  if (entries.length === 0 && loose.length === 0) loose.push(...Array.from(data.files ?? []));
  return (async () => {
    const out = fromFileList(loose);
    for (const entry of entries) await walk(entry, '', out);
    return out;
  })();
}
