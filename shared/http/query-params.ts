import { z } from 'zod';

/** Query-string booleans as Auth0 takes them. */
export const boolParam = z.enum(['true', 'false']).transform((v) => v === 'true');
/** Comma-separated lists (`fields=a,b`). */
export const csvParam = z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));
