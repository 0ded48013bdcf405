import type { Migration } from './migration';

// The compute backend a run's job actually trained on (WebGPU, WebAssembly, …) and its sentence
// saying why (the better ones passed by, or chosen for the workstation): set when the job starts,
// again at each resume (a resume may run on another backend). Null for runs trained before.
const migration: Migration = {
  version: 12,
  name: '012-run-backend',
  up(db) {
    db.exec(`
      ALTER TABLE runs ADD COLUMN backend TEXT;
      ALTER TABLE runs ADD COLUMN backend_note TEXT;
    `);
  },
};

export default migration;
