import { describe, expect, it } from 'vitest';
import { fromDrop, fromFileList, isVisible, type DroppedEntry } from './picked-files';

const file = (name: string, relative = '') => {
  const f = new File(['x'], name);
  if (relative) Object.defineProperty(f, 'webkitRelativePath', { value: relative });
  return f;
};

function fileEntry(name: string): DroppedEntry {
  return { isFile: true, isDirectory: false, name, file: (ok) => ok(file(name)) };
}
function folderEntry(name: string, children: DroppedEntry[], batch = 2): DroppedEntry {
  return {
    isFile: false,
    isDirectory: true,
    name,
    createReader() {
      let at = 0;
      return {
        readEntries(ok) {
          ok(children.slice(at, at + batch));
          at += batch;
        },
      };
    },
  };
}
function dropOf(entries: (DroppedEntry | File)[]): DataTransfer {
  const items = entries.map((e) =>
    e instanceof File
      ? { kind: 'file', webkitGetAsEntry: (): DroppedEntry | null => null, getAsFile: (): File | null => e }
      : { kind: 'file', webkitGetAsEntry: (): DroppedEntry | null => e, getAsFile: (): File | null => null },
  );
  return { items, files: [] } as unknown as DataTransfer;
}

describe('picked files', () => {
  it('leaves hidden files and folders out', () => {
    expect(isVisible('art/a.png')).toBe(true);
    expect(isVisible('.DS_Store')).toBe(false);
    expect(isVisible('art/.git/x.png')).toBe(false);
  });

  it('names a folder pick by the path below the folder, a file pick by the name', () => {
    const picked = fromFileList([file('a.png', 'art/red/a.png'), file('.DS_Store', 'art/.DS_Store'), file('b.png')]);
    expect(picked.map((p) => p.path)).toEqual(['art/red/a.png', 'b.png']);
  });

  it('reads dropped folders through, in batches, keeping their structure', async () => {
    const art = folderEntry('art', [
      folderEntry('red', [fileEntry('a.png'), fileEntry('b.png'), fileEntry('c.png')]),
      fileEntry('.hidden.png'),
      fileEntry('top.png'),
    ]);
    const picked = await fromDrop(dropOf([art, fileEntry('loose.png')]));
    expect(picked.map((p) => p.path)).toEqual(['art/red/a.png', 'art/red/b.png', 'art/red/c.png', 'art/top.png', 'loose.png']);
  });

  it('takes the files of a drop that has no entries (one made by a script)', async () => {
    expect((await fromDrop(dropOf([file('x.png')]))).map((p) => p.path)).toEqual(['x.png']);
    expect(await fromDrop(null)).toEqual([]);
  });
});
