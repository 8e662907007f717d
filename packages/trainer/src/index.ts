/**
 * @packageDocumentation
 * Fit a fresh output head on local data, with honest metrics and a portable head artifact:
 * dataset scanning and stratified splits, a feature cache, softmax-regression and MLP heads,
 * classification metrics, and the `head.onnx` + `modelhub.json` + `README.md` writer.
 */
export { emptyClassWarnings, scanDataset } from './dataset/scan-dataset.ts';
export type { ScanDatasetOptions } from './dataset/scan-dataset.ts';
export type { Dataset, DatasetItem, SkippedFile } from './dataset/dataset.ts';
export { datasetManifestHash } from './dataset/dataset-manifest-hash.ts';
export { stratifiedSplit, balancedClassWeights } from './dataset/stratified-split.ts';
export type { Split } from './dataset/stratified-split.ts';
export { compareLabels } from './dataset/compare-labels.ts';

export { SeededRandom } from './random/seeded-random.ts';

export { FeatureCache, featureNamespace } from './cache/feature-cache.ts';
export type { FeatureSource } from './cache/feature-cache.ts';
export { embedItems } from './cache/embed-items.ts';
export type { EmbedItemsOptions, EmbedItemsResult } from './cache/embed-items.ts';
export type { EmbedItem, EmbedProgress } from './cache/embed-item.ts';
export { rawPixelExtractor } from './features/raw-pixel-extractor.ts';
export { charWbNgrams, tfidfExtractor, wordTokens } from './features/tfidf-extractor.ts';
export type { TfidfOptions } from './features/tfidf-extractor.ts';
export { mfccMeanExtractor, mfccMean } from './features/mfcc-mean-extractor.ts';

export { trainHead } from './fit/train-head.ts';
export type { LabelledFeatures, TrainHeadOptions, TrainedHead } from './fit/train-head.ts';
export type { EpochRecord, StopReason } from './fit/fit-types.ts';
export { forwardLayers, argmaxRows } from './fit/dense-layer.ts';
export type { DenseLayer, HeadOutput, Activation } from './fit/dense-layer.ts';
export type { Standardizer } from './fit/standardizer.ts';

export { classificationMetrics } from './metrics/classification-metrics.ts';
export type { ClassificationMetrics, ClassMetrics } from './metrics/classification-metrics.ts';
export { formatMetrics, formatConfusionTable } from './metrics/format-metrics.ts';
export { confusionMatrixSvg } from './metrics/confusion-svg.ts';

export { subsetPerClass } from './dataset/subset-per-class.ts';
export { trainOnDataset, scoreHead, stackFeatures } from './pipeline/train-on-dataset.ts';
export { fewShotDraws, summarizeDraws } from './pipeline/few-shot-draws.ts';
export type { FewShotDraw, FewShotOptions } from './pipeline/few-shot-draws.ts';
export type { TrainOnDatasetOptions, TrainOnDatasetResult } from './pipeline/train-on-dataset.ts';
export { writeHeadArtifact, headFiles } from './artifact/write-head-artifact.ts';
export type { BaseModelPin, WriteHeadArtifactOptions } from './artifact/write-head-artifact.ts';
export { readHeadArtifact } from './artifact/read-head-artifact.ts';
export type { HeadArtifact } from './artifact/read-head-artifact.ts';
export { renderModelCard } from './artifact/model-card.ts';
export {
  loadHeadClassifier,
  predictWithHead,
  assertExtractorMatches,
  topK,
} from './predict/head-classifier.ts';
export type { HeadClassifier, HeadPrediction } from './predict/head-classifier.ts';
export { evaluateHead } from './predict/evaluate-head.ts';
export type { HeadEvaluation } from './predict/evaluate-head.ts';
export { parseFineTune, assertFineTunable } from './fine-tune/fine-tune-spec.ts';
export type { FineTuneSpec } from './fine-tune/fine-tune-spec.ts';
export { formatEpoch } from './fit/format-epoch.ts';
export { dedupeItems } from './dataset/dedupe-items.ts';
export type { DedupeReport } from './dataset/dedupe-items.ts';
export type { TailPlan } from './fine-tune/tfjs-tail.ts';
export type { FineTuneTailOptions, FineTuneTailResult } from './fine-tune/fine-tune-tail.ts';
export { prepareDataset } from './pipeline/train-on-dataset.ts';
export type { PreparedDataset } from './pipeline/train-on-dataset.ts';
export type { FineTuneOnDatasetOptions, FineTuneOnDatasetResult } from './pipeline/fine-tune-on-dataset.ts';
export { tailFiles } from './artifact/tail-layout.ts';
export { preprocessedImageExtractor } from './features/preprocessed-image-extractor.ts';
export {
  trainWithSelection,
  singleVariantCandidates,
  paddingOf,
  DEFAULT_CS,
  TRAIN_DEFAULTS,
} from './pipeline/train-with-selection.ts';
export type {
  TrainWithSelectionOptions,
  TrainWithSelectionResult,
  SelectionReport,
  CandidateReport,
} from './pipeline/train-with-selection.ts';
export { embedCandidates } from './cache/embed-candidates.ts';
export type { EmbedCandidatesOptions, EmbedCandidatesResult } from './cache/embed-candidates.ts';
export { stratifiedFolds } from './dataset/stratified-folds.ts';
export type { Folds } from './dataset/stratified-folds.ts';
export { crossValidate } from './select/cross-validate.ts';
export type { CvResult, VariantFeatures, HeadInput } from './select/cross-validate.ts';
export { chooseCandidate } from './select/choose-candidate.ts';
export type { VariantKey } from './select/choose-candidate.ts';
export { selectFeatures } from './select/select-features.ts';
export type { FeatureSelection, SelectFeaturesOptions } from './select/select-features.ts';
export { l2NormalizeRows } from './fit/normalize-rows.ts';
export type { InputNormalization } from './fit/normalize-rows.ts';
export type { FeatureScaling } from './fit/standardizer.ts';
export { wilsonInterval } from './metrics/wilson-interval.ts';
export type { ProportionInterval } from './metrics/wilson-interval.ts';
