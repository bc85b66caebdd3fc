/** What web/ still imports from here: the convolution ops live in ops/conv.ts and ops/pool.ts. Delete once web/ imports those. */
export { conv2dForward } from './ops/conv.ts';
export { maxPoolForward } from './ops/pool.ts';
