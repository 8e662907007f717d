/**
 * @packageDocumentation
 * The `hub` command line and the library entry for applications.
 */
export { runCli, buildProgram } from './program.ts';
export type { GlobalOptions, CommandRegistrar } from './program.ts';
export type { Io } from './output/error-boundary.ts';
export { fromPretrained } from './library/from-pretrained.ts';
export type {
  FromPretrainedOptions,
  Pretrained,
  PretrainedBackbone,
  PretrainedClassifier,
} from './library/from-pretrained.ts';
export { openBackbone } from './library/open-backbone.ts';
export type { OpenBackboneOptions, OpenedBackbone, BackbonePin } from './library/open-backbone.ts';
