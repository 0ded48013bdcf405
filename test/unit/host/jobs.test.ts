import { describe, expect, it } from 'vitest';
import type { JobChannel, JobControl, JobMessage, JobRequest } from '../../../src-main/host/job-protocol';
import { JobManager, type JobRecord } from '../../../src-main/host/jobs';

// A job process stand-in the test drives by hand: what it says, and how it ends.
function fakeChannel() {
  let onMessage: (m: JobMessage) => void = () => {};
  let onExit: (code: number | null, signal: string | null) => void = () => {};
  const sent: (JobRequest | JobControl)[] = [];
  let killed = false;
  const channel: JobChannel = {
    send: (r) => sent.push(r),
    onMessage: (l) => (onMessage = l),
    onExit: (l) => (onExit = l),
    kill: () => {
      killed = true;
      onExit(null, 'SIGKILL');
    },
  };
  return {
    channel,
    sent,
    say: (m: JobMessage) => onMessage(m),
    exit: (code: number | null, signal: string | null = null) => onExit(code, signal),
    killed: () => killed,
  };
}

const request: JobRequest = { type: 'generator', projectDir: '/p' };

function start(fake: ReturnType<typeof fakeChannel>) {
  const jobs = new JobManager(() => fake.channel);
  const finished: { record: JobRecord; error?: { code: string; message: string } }[] = [];
  const messages: JobMessage[] = [];
  const job = jobs.start('train', 3, request, {
    onMessage: (m) => messages.push(m),
    onFinish: (record, error) => finished.push({ record: { ...record }, ...(error ? { error } : {}) }),
  });
  return { jobs, job, finished, messages };
}

describe('JobManager', () => {
  it('sends the request, tracks progress and finishes once on done', () => {
    const fake = fakeChannel();
    const { jobs, job, finished } = start(fake);
    expect(fake.sent).toEqual([request]);
    fake.say({ type: 'progress', step: 1, total: 4, message: 'Image 1 of 4' });
    expect(jobs.list()[0]).toMatchObject({ id: job.id, status: 'running', fraction: 0.25, message: 'Image 1 of 4' });
    fake.say({ type: 'done' });
    fake.exit(0);
    expect(finished).toHaveLength(1);
    expect(finished[0]!.record.status).toBe('done');
    expect(finished[0]!.record.fraction).toBe(1);
  });

  it('reports a crash (exit without done) as a failed job with a plain error', () => {
    const fake = fakeChannel();
    const { finished } = start(fake);
    fake.say({ type: 'progress', step: 1, total: 4, message: 'Image 1 of 4' });
    fake.exit(null, 'SIGSEGV');
    expect(finished).toHaveLength(1);
    expect(finished[0]!.record.status).toBe('failed');
    expect(finished[0]!.error?.code).toBe('job-crashed');
    expect(finished[0]!.error?.message).toContain('signal SIGSEGV');
  });

  it('passes on the error a job reports about itself', () => {
    const fake = fakeChannel();
    const { finished } = start(fake);
    fake.say({ type: 'error', error: { code: 'io', message: 'weights.bin is missing' } });
    fake.exit(1);
    expect(finished).toEqual([{ record: expect.objectContaining({ status: 'failed' }), error: { code: 'io', message: 'weights.bin is missing' } }]);
  });

  it('cancels by killing the process, once', () => {
    const fake = fakeChannel();
    const { jobs, job, finished } = start(fake);
    expect(jobs.cancel(job.id)).toBe(true);
    expect(fake.killed()).toBe(true);
    expect(finished.map((f) => f.record.status)).toEqual(['cancelled']);
    expect(jobs.cancel(job.id)).toBe(false);
    expect(jobs.cancel('no-such-job')).toBe(false);
  });
});
