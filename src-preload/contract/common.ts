// Building blocks every domain of the contract shares: ids, counts, project paths, paging.
import { z } from 'zod';

export const count = z.number().int().nonnegative();
export const id = z.number().int().positive();
/** A path relative to the project folder, e.g. `thumbs/ab/abcd….webp`. */
export const projectFile = z.string();
export const selection = z.array(id).min(1).max(1_000_000);
export const empty = z.object({}).strict();
export const paging = { offset: count.default(0), limit: z.number().int().min(1).max(2000).default(200) };
