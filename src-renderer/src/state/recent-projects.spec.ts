import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src-preload/api';
import type { ProjectSummaryT, RecentProjectT } from '../../../src-preload/contract';
import { fakeTransport } from '../testing/fake-transport';
import { openedAgo, RecentProjects } from './recent-projects.svelte';

const mascots: RecentProjectT = { dir: '/art/mascots', name: 'Mascots', openedAt: '2026-12-04T10:00:00.000Z', missing: false };
const icons: RecentProjectT = { dir: '/art/icons', name: 'Icons', openedAt: '2026-12-01T10:00:00.000Z', missing: true };
const summary = { dir: '/art/mascots', name: 'Mascots' } as ProjectSummaryT;

describe('RecentProjects', () => {
  it('lists the projects, opens one, and forgets a missing one', async () => {
    const fake = fakeTransport({
      'projects:recent': () => [mascots, icons],
      'project:open': () => summary,
      'projects:forget': ({ dir }) => [mascots, icons].filter((p) => p.dir !== dir),
    });
    const recent = new RecentProjects(fake.api);
    await recent.load();
    expect(recent.items.map((p) => p.name)).toEqual(['Mascots', 'Icons']);
    expect(await recent.open('/art/mascots')).toBe(summary);
    expect(fake.calls.at(-1)).toEqual({ name: 'project:open', input: { dir: '/art/mascots' } });
    await recent.forget('/art/icons');
    expect(recent.items.map((p) => p.name)).toEqual(['Mascots']);
  });

  it('says beside the row why a project did not open, and reads the list again', async () => {
    const fake = fakeTransport({
      'projects:recent': () => [{ ...mascots, missing: true }],
      'project:open': () => {
        throw new ApiError('not-a-project', '/art/mascots is not an Atelier project: it has no atelier.db.');
      },
    });
    const recent = new RecentProjects(fake.api);
    expect(await recent.open('/art/mascots')).toBeNull();
    expect(recent.error).toEqual({ dir: '/art/mascots', message: '/art/mascots is not an Atelier project: it has no atelier.db.' });
    expect(recent.items[0]!.missing).toBe(true);
    expect(recent.opening).toBeNull();
  });
});

describe('openedAgo', () => {
  const now = new Date('2026-12-04T12:00:00.000Z');
  it('says how long ago in words', () => {
    expect(openedAgo('2026-12-04T11:59:30.000Z', now)).toBe('just now');
    expect(openedAgo('2026-12-04T11:55:00.000Z', now)).toBe('5 min ago');
    expect(openedAgo('2026-12-04T09:00:00.000Z', now)).toBe('3 h ago');
    expect(openedAgo('2026-12-03T09:00:00.000Z', now)).toBe('yesterday');
    expect(openedAgo('2026-11-22T12:00:00.000Z', now)).toBe('12 days ago');
  });
});
