/**
 * The layer types, one module each: the --arch token table (tried in this order) and the
 * lookup the trainers walk a network through. Adding a layer type: its module, its entry
 * here and in the Layer union (src/model/spec.ts).
 */
import type { LayerOf, LayerType } from '../model/spec.ts';
import { avgpool } from './avgpool.ts';
import { batchnorm } from './batchnorm.ts';
import { conv } from './conv.ts';
import { dense } from './dense.ts';
import { globalavgpool } from './globalavgpool.ts';
import type { LayerModule } from './layer.ts';
import { maxpool } from './maxpool.ts';

const LAYER_MODULES: { [T in LayerType]: LayerModule<T> } = { dense, conv, maxpool, avgpool, globalavgpool, batchnorm };

/** The module of a layer's type. */
export function moduleOf<T extends LayerType>(layer: LayerOf<T>): LayerModule<T> {
  return LAYER_MODULES[layer.type as T];
}

/** Every module, for token parsing and help, dense first. */
export const LAYER_TABLE: LayerModule<LayerType>[] = Object.values(LAYER_MODULES) as LayerModule<LayerType>[];

