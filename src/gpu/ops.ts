/**
 * What web/ still imports from here: the ops live in src/gpu/ops/ (one file per concern),
 * the dispatch plumbing in dispatch.ts, the variants in matmul-plans.ts. Delete this file
 * once web/ imports from those.
 */
export { destroyDispatch, encodeDispatch, type Dispatch } from './dispatch.ts';
export type { MatmulVariant } from './matmul-plans.ts';
