import { Tensor } from 'onnxruntime-node';
import type { InferenceSession } from 'onnxruntime-node';

import { ModelhubError, extractorCandidates, isModelhubError, refuseViews } from '@modelhub/core';
import type {
  AdapterOptions,
  CandidateExtractor,
  CandidateOptions,
  FeatureCandidate,
  FeatureExtractor,
  FeatureTap,
  FeatureView,
  GridSize,
  ImageInput,
  ModelAdapter,
  ModelInput,
  ModelInspection,
  OriginalPrediction,
  PreprocessSpec,
} from '@modelhub/core';
import {
  chooseFeatureTap,
  earlierFeatureTensors,
  findFeatureTaps,
  pooledFeatureMap,
  writeTappedModel,
} from '@modelhub/onnx';
import type { OnnxValueInfo, TapCandidate } from '@modelhub/onnx';
import { decodeBatch, imageContract, preloadImageDecoder } from '@modelhub/vision';

import { DEFAULT_BATCH_SIZE, OnnxFeatureExtractor } from '../extractor/onnx-feature-extractor.ts';
import type { TapVariant, VariantEmbedResult } from '../extractor/onnx-feature-extractor.ts';
import { findModelFile, listOnnxFiles } from '../model-dir/find-model-file.ts';
import { loadPlanPath, readLoadPlan, traceKeyOf, writeLoadPlan } from '../model-dir/image-load-plan.ts';
import { declaredOnnxModality, modalityOfGraph } from '../modality/detect-modality.ts';
import { inspectModality, loadAudioExtractor, loadTextExtractor } from '../modality/open-modality.ts';
import { imageInput, loadOnnx, probeDims, resolveSpec, tensorInfo } from '../model-dir/load-onnx.ts';
import type { LoadedOnnx } from '../model-dir/load-onnx.ts';
import { maskRule, planGridView, planPooling } from '../pooling/pool-plan.ts';
import type { GridViewPlan, PoolPlan } from '../pooling/pool-plan.ts';
import { traceInputAxes } from '../pooling/trace-axes.ts';
import type { TracedAxes } from '../pooling/trace-axes.ts';
import { ctcGreedyDecode } from '../predict/ctc-decode.ts';
import { readClassLabels, readCtcAlphabet } from '../predict/labels.ts';
import { softmax, topK } from '../predict/top-k.ts';
import { createSession } from '../session/create-session.ts';
import { WorkerSession } from '../session/worker-session.ts';

/** True when the folder holds an ONNX graph (at its root or in `onnx/`). */
export async function detect(modelDir: string): Promise<boolean> {
  return (await listOnnxFiles(modelDir)).length > 0;
}

/** Runs a session once on a zero image and returns the dims of the requested outputs. */
async function probe(
  session: InferenceSession,
  inputName: string,
  spec: PreprocessSpec,
  fetch: readonly string[],
): Promise<Map<string, number[]>> {
  const dims = [1, ...probeDims(spec)];
  const size = dims.reduce((a, b) => a * b, 1);
  const out = await session.run({ [inputName]: new Tensor('float32', new Float32Array(size), dims) }, [
    ...fetch,
  ]);
  return new Map(fetch.map((name) => [name, [...(out[name]?.dims ?? [])]]));
}

function tapOf(tensor: string, plan: PoolPlan, views: readonly GridViewPlan[] = []): FeatureTap {
  const mask = maskRule(plan);
  return {
    tensor,
    runtime: 'onnx',
    pooling: plan.pooling,
    dim: plan.dim + views.reduce((a, g) => a + g.view.dim, 0),
    ...(mask === undefined ? {} : { mask }),
    ...(views.length === 0 ? {} : { views: views.map((g) => g.view) }),
  };
}

/**
 * The grid view `hub train` offers next to the automatic tap: the pooled-away map averaged on 3
 * rows × 4 columns of bins, weighted 0.7 against the tap's unit-length vector. Both numbers were
 * chosen on development draws only (DEVELOPERS.md, issue 13): 3 × 4 beat 3 × 2, 1 × 4, 3 × 1 and
 * 1 × 1; 0.7 beat 0.4–0.6 and 1.0 and tied 0.8.
 */
const GRID_VIEW = { grid: { rows: 3, cols: 4 }, weight: 0.7 } as const;

/** Plans a grid view of `tensor` as traced, masked like the tap when the preprocessing pads. */
function viewPlanFor(
  view: Pick<FeatureView, 'tensor' | 'grid' | 'weight'>,
  traced: TracedAxes,
  spec: PreprocessSpec,
  mask: boolean | undefined,
): GridViewPlan {
  return planGridView(
    traced.dims.get(view.tensor) ?? [],
    {
      tensor: view.tensor,
      traced: traced.traced?.get(view.tensor),
      inputLayout: spec.layout,
      mask: (mask ?? true) && spec.pad !== null,
    },
    view.grid,
    view.weight,
  );
}

/**
 * The grid for a view of `map` as traced: {@link GRID_VIEW}'s, with never more bins than the map
 * has rows or columns; undefined when the map is not rank 4 or has a single position (its grid
 * would be the plain average).
 */
function gridOver(map: string, traced: TracedAxes, spec: PreprocessSpec): GridSize | undefined {
  const dims = traced.dims.get(map) ?? [];
  if (dims.length !== 4) {
    return undefined;
  }
  const [rows, cols] = viewPlanFor({ tensor: map, ...GRID_VIEW }, traced, spec, false).plan.positions.map(
    (p) => dims[p.axis] ?? 1,
  );
  const grid = {
    rows: Math.min(GRID_VIEW.grid.rows, rows ?? 1),
    cols: Math.min(GRID_VIEW.grid.cols, cols ?? 1),
  };
  return grid.rows * grid.cols > 1 ? grid : undefined;
}

/**
 * The map for a grid view of the tap (see `pooledFeatureMap`), or undefined; whether a grid can be
 * laid over it is known once it is traced ({@link gridOver}).
 */
function gridViewMap(loaded: LoadedOnnx, tap: string): string | undefined {
  const map = pooledFeatureMap(loaded.model, tap);
  return map === undefined || map === tap ? undefined : map;
}

/** Whether the model input's height and width are free (symbolic), by the spec's layout. */
function freeAxes(input: OnnxValueInfo, spec: PreprocessSpec): { height: boolean; width: boolean } {
  const dims = input.dims ?? [];
  const [h, w] = spec.layout === 'NCHW' ? [dims[2], dims[3]] : [dims[1], dims[2]];
  return { height: typeof h !== 'number', width: typeof w !== 'number' };
}

/** A session on the model with `tensors` as extra outputs, and each tensor's dims and traced axes. */
async function openTapped(
  loaded: LoadedOnnx,
  input: OnnxValueInfo,
  spec: PreprocessSpec,
  tensors: readonly string[],
  workDir: string,
  sourceSha256?: string,
): Promise<{ session: WorkerSession; modelPath: string; traced: TracedAxes }> {
  const tapped = await writeTappedModel(
    loaded.modelPath,
    loaded.model,
    loaded.bytes,
    tensors,
    workDir,
    sourceSha256,
  );
  const session = await WorkerSession.open(tapped.path, loaded.modelPath);
  try {
    return { session, modelPath: tapped.path, traced: await traceTapped(session, input, spec, tensors) };
  } catch (error) {
    await session.release();
    throw error;
  }
}

/** Which axes of `tensors` follow the image's height and width (probe runs; see `traceInputAxes`). */
async function traceTapped(
  session: WorkerSession,
  input: OnnxValueInfo,
  spec: PreprocessSpec,
  tensors: readonly string[],
): Promise<TracedAxes> {
  const run = async (dims: readonly number[]): Promise<Map<string, number[]>> => {
    const size = dims.reduce((a, b) => a * b, 1);
    const out = await session.run(input.name, new Float32Array(size), [1, ...dims], [...tensors], true);
    return new Map(tensors.map((t) => [t, [...(out[t]?.dims ?? [])]]));
  };
  return traceInputAxes(run, probeDims(spec), spec.layout, tracedFree(input, spec), tensors);
}

/** The free input axes worth tracing: only padded images need to know which axes follow the image. */
function tracedFree(input: OnnxValueInfo, spec: PreprocessSpec): { height: boolean; width: boolean } {
  return spec.pad === null ? { height: false, width: false } : freeAxes(input, spec);
}

function planFor(
  candidate: Pick<TapCandidate, 'tensor' | 'dim'>,
  traced: TracedAxes,
  spec: PreprocessSpec,
  pooling: FeatureTap['pooling'] | undefined,
  mask: boolean | undefined,
): PoolPlan {
  return planPooling(traced.dims.get(candidate.tensor) ?? [], {
    expectedDim: candidate.dim,
    requested: pooling,
    tensor: candidate.tensor,
    traced: traced.traced?.get(candidate.tensor),
    inputLayout: spec.layout,
    mask: (mask ?? true) && spec.pad !== null,
  });
}

/**
 * Loads a model folder as a frozen feature extractor: finds (or takes `options.layer`) the tap,
 * writes the graph with the tap as an extra output (cached in `options.workDir`), opens one
 * session, and decides pooling from probe runs (one more per free input axis when the
 * preprocessing pads, to learn which axes to mask).
 */
export async function loadFeatureExtractor(
  modelDir: string,
  options: AdapterOptions,
): Promise<FeatureExtractor> {
  const declared = await declaredOnnxModality(modelDir, options.preprocess);
  if (declared === 'audio') {
    refuseViews(options.views, `The audio model in ${modelDir}`);
    return loadAudioExtractor(modelDir, options);
  }
  if (
    declared === 'text' ||
    (declared === undefined && modalityOfGraph(await loadOnnx(modelDir)) === 'text')
  ) {
    refuseViews(options.views, `The text model in ${modelDir}`);
    return loadTextExtractor(modelDir, options);
  }
  return loadImageExtractor(modelDir, options);
}

/**
 * Loads an image model as an {@link OnnxFeatureExtractor} (with the warnings of its preprocessing).
 * When `options.sha256Of` knows the model file's hash, the tap, the edited graph and the traced
 * axes found by an earlier process are reused (`image-load-plan.ts`) and the graph is not parsed.
 */
export async function loadImageExtractor(
  modelDir: string,
  options: AdapterOptions,
): Promise<OnnxFeatureExtractor & { readonly warnings: readonly string[] }> {
  // onnxruntime starts in its worker while the graph is read and parsed here.
  WorkerSession.prestart();
  const modelPath = await findModelFile(modelDir);
  const sha256 = await options.sha256Of?.(modelPath);
  const viewTensors = (options.views ?? []).map((v) => v.tensor);
  const planFile =
    sha256 === undefined ? undefined : loadPlanPath(options.workDir, sha256, options.layer, viewTensors);
  const known = planFile === undefined ? undefined : await readLoadPlan(planFile);
  let input: OnnxValueInfo;
  let candidate: Pick<TapCandidate, 'tensor' | 'dim'>;
  let tappedPath: string;
  if (known === undefined) {
    const loaded = await loadOnnx(modelDir);
    input = imageInput(loaded);
    candidate = chooseFeatureTap(loaded.model, { layer: options.layer, source: loaded.modelPath });
    tappedPath = (
      await writeTappedModel(
        loaded.modelPath,
        loaded.model,
        loaded.bytes,
        [candidate.tensor, ...viewTensors],
        options.workDir,
        sha256,
      )
    ).path;
  } else {
    ({ input, tap: candidate, tappedPath } = known);
  }
  const { spec, warnings } = await resolveSpec({ modelDir, modelPath }, input, options.preprocess);
  const opening = WorkerSession.open(tappedPath, modelPath);
  // The main thread only waits while the worker creates the session: load the decoder meanwhile.
  preloadImageDecoder();
  const session = await opening;
  try {
    const traceKey = traceKeyOf(probeDims(spec), spec.layout, tracedFree(input, spec));
    const traced =
      known?.traceKey === traceKey
        ? known.traced
        : await traceTapped(session, input, spec, [candidate.tensor, ...viewTensors]);
    if (planFile !== undefined && known?.traceKey !== traceKey) {
      await writeLoadPlan(planFile, { input, tap: candidate, tappedPath, traceKey, traced });
    }
    const plan = planFor(candidate, traced, spec, options.pooling, options.mask);
    const expected = plan.pooling === 'meanmax' ? 2 * candidate.dim : candidate.dim;
    if (candidate.dim > 0 && plan.pooling !== 'flatten' && plan.dim !== expected) {
      warnings.push(
        `the tap ${candidate.tensor} pools to ${plan.dim} values but the classifier weight implies ${candidate.dim}`,
      );
    }
    const views = (options.views ?? []).map((v) => viewPlanFor(v, traced, spec, v.mask !== undefined));
    views.forEach((g, i) => {
      const want = options.views?.[i];
      if (want !== undefined && g.view.dim !== want.dim) {
        warnings.push(
          `the view ${want.tensor} pools to ${g.view.dim} values but the head recorded ${want.dim}`,
        );
      }
    });
    const extractor = new OnnxFeatureExtractor({
      modelId: options.modelId,
      session,
      inputName: input.name,
      variants: [{ tap: tapOf(candidate.tensor, plan, views), plan, views }],
      preprocess: spec,
      batchSize: Math.max(1, Math.floor(options.batchSize ?? DEFAULT_BATCH_SIZE)),
      modelPath: tappedPath,
    });
    return Object.assign(extractor, { warnings: [...warnings] });
  } catch (error) {
    await session.release();
    throw error;
  }
}

/**
 * Leaves a load plan for each candidate tap, and for a tap joined with grid views, that has none,
 * naming the edited graph just made with all of them: the head `hub train` writes is then loaded back (its self-check, then every
 * `hub predict`) from that graph, without parsing the model again or writing a second copy of it
 * for the chosen tap alone.
 */
async function rememberTapPlans(
  loaded: LoadedOnnx,
  input: OnnxValueInfo,
  spec: PreprocessSpec,
  requests: ReadonlyArray<{ readonly tensor: string; readonly views: readonly string[] }>,
  tappedPath: string,
  traced: TracedAxes,
  sha256: string,
  workDir: string,
): Promise<void> {
  const traceKey = traceKeyOf(probeDims(spec), spec.layout, tracedFree(input, spec));
  for (const { tensor, views } of requests) {
    const file = loadPlanPath(workDir, sha256, tensor, views);
    if ((await readLoadPlan(file)) !== undefined) {
      continue;
    }
    // What a head with this tap (and these views) reads: their entries of the probe runs.
    const pick = <T>(m: ReadonlyMap<string, T>): Map<string, T> =>
      new Map([tensor, ...views].flatMap((t) => (m.has(t) ? [[t, m.get(t) as T]] : [])));
    const { dim } = chooseFeatureTap(loaded.model, { layer: tensor, source: loaded.modelPath });
    await writeLoadPlan(file, {
      input,
      tap: { tensor, dim },
      tappedPath,
      traceKey,
      traced: {
        dims: pick(traced.dims),
        traced: traced.traced === undefined ? undefined : pick(traced.traced),
      },
    });
  }
}

/** The model's stride along its free input axes (input size ÷ positions), rounded up to an integer. */
function strideOf(traced: TracedAxes, spec: PreprocessSpec): number {
  const size = {
    height: probeDims(spec)[spec.layout === 'NCHW' ? 1 : 0] ?? 1,
    width: probeDims(spec)[spec.layout === 'NCHW' ? 2 : 1] ?? 1,
  };
  let stride = 1;
  for (const [tensor, axes] of traced.traced ?? []) {
    const dims = traced.dims.get(tensor) ?? [];
    axes.forEach((input, i) => {
      if (input !== undefined && (dims[i] ?? 0) > 0) {
        stride = Math.max(stride, Math.ceil(size[input] / (dims[i] as number)));
      }
    });
  }
  return stride;
}

/** The inputs of an image model: files or bytes; a text given directly is a user error. */
function imageInputsOf(inputs: readonly ModelInput[], modelId: string): ImageInput[] {
  return inputs.map((input) => {
    if (typeof input === 'string' || input instanceof Uint8Array) {
      return input;
    }
    throw new ModelhubError(
      'INVALID_ARGUMENT',
      `${modelId} takes images, not texts (${input.name ?? 'a text'}).`,
      {
        hint: 'Give it image files, or train on a text backbone.',
      },
    );
  });
}

/**
 * Loads every candidate at once for a cross-validated choice: the automatic tap (or
 * `options.layer`) and up to `earlierTaps` feature tensors before it, each pooled every way in
 * `poolings` (masked when the preprocessing pads), all read from one run per image; when the
 * model's input size is free and the preprocessing pads, the same again with each image padded
 * only to its own size rounded up to the model's stride (`flatten` excepted: its length would vary).
 */
export async function loadCandidateExtractor(
  modelDir: string,
  options: CandidateOptions,
): Promise<CandidateExtractor> {
  const declared = await declaredOnnxModality(modelDir, options.preprocess);
  if (
    declared === 'audio' ||
    declared === 'text' ||
    (declared === undefined && modalityOfGraph(await loadOnnx(modelDir)) === 'text')
  ) {
    // Texts and sounds have one tap and no padding to choose; their pooling is the default unless
    // pinned (one session per pooling would multiply the embedding time for little).
    const { poolings, earlierTaps: _taps, padding: _padding, pooling: _pooling, ...rest } = options;
    const [only] = poolings;
    const extractor = await loadFeatureExtractor(modelDir, {
      ...rest,
      ...(poolings.length === 1 && only !== undefined ? { pooling: only } : {}),
    });
    return extractorCandidates(options.modelId, [extractor]);
  }
  const loaded = await loadOnnx(modelDir);
  const input = imageInput(loaded);
  const { spec } = await resolveSpec(loaded, input, options.preprocess);
  const auto = chooseFeatureTap(loaded.model, { layer: options.layer, source: loaded.modelPath });
  const earlier =
    options.layer === undefined
      ? earlierFeatureTensors(loaded.model, auto.tensor, options.earlierTaps ?? 2).map((tensor) => ({
          tensor,
          dim: 0,
        }))
      : [];
  const taps = [auto, ...earlier];
  const map = options.gridViews === false ? undefined : gridViewMap(loaded, auto.tensor);
  const sha256 = await options.sha256Of?.(loaded.modelPath);
  const { session, modelPath, traced } = await openTapped(
    loaded,
    input,
    spec,
    [...taps.map((t) => t.tensor), ...(map === undefined || taps.some((t) => t.tensor === map) ? [] : [map])],
    options.workDir,
    sha256,
  );
  try {
    const grid = map === undefined ? undefined : gridOver(map, traced, spec);
    const gridMap = grid === undefined ? undefined : map;
    if (sha256 !== undefined) {
      const requests = [
        ...taps.map((t) => ({ tensor: t.tensor, views: [] })),
        ...(gridMap === undefined ? [] : [{ tensor: auto.tensor, views: [gridMap] }]),
      ];
      await rememberTapPlans(loaded, input, spec, requests, modelPath, traced, sha256, options.workDir);
    }
    const padding = options.padding ?? ['full', 'tight'];
    const free = tracedFree(input, spec);
    const specs: PreprocessSpec[] = [];
    if (padding.includes('full') || spec.pad === null || (!free.height && !free.width)) {
      specs.push(spec);
    }
    if (padding.includes('tight') && spec.pad !== null && (free.height || free.width)) {
      specs.push({ ...spec, pad: { ...spec.pad, multiple: strideOf(traced, spec) } });
    }
    const batchSize = Math.max(1, Math.floor(options.batchSize ?? DEFAULT_BATCH_SIZE));
    const extractors = specs.map((s) => {
      const variants: TapVariant[] = [];
      for (const tap of taps) {
        const rank = traced.dims.get(tap.tensor)?.length ?? 0;
        const poolings = rank <= 2 ? [undefined] : options.poolings;
        for (const pooling of poolings) {
          if (pooling === 'flatten' && s.pad?.multiple !== undefined) {
            continue;
          }
          const plan = planFor(tap, traced, s, pooling, options.mask);
          variants.push({ tap: tapOf(tap.tensor, plan), plan });
        }
      }
      if (gridMap !== undefined && grid !== undefined) {
        const views = [
          viewPlanFor({ tensor: gridMap, grid, weight: GRID_VIEW.weight }, traced, s, options.mask),
        ];
        for (const v of variants.filter(
          (x) => x.tap.tensor === auto.tensor && x.plan.pooling !== 'flatten',
        )) {
          variants.push({ tap: tapOf(auto.tensor, v.plan, views), plan: v.plan, views });
        }
      }
      const [first, ...rest] = variants;
      if (first === undefined) {
        throw new ModelhubError('INVALID_ARGUMENT', 'no candidate features to compute', {
          hint: 'Allow at least one pooling.',
        });
      }
      return new OnnxFeatureExtractor({
        modelId: options.modelId,
        session,
        inputName: input.name,
        variants: [first, ...rest],
        preprocess: s,
        batchSize,
        modelPath,
        ownsSession: false,
      });
    });
    return {
      modelId: options.modelId,
      variants: extractors.flatMap((e) => e.variants.map((v) => ({ tap: v.tap, preprocess: e.preprocess }))),
      embed: async (inputs) => {
        const images = imageInputsOf(inputs, options.modelId);
        const results: VariantEmbedResult[] = [];
        for (const e of extractors) {
          results.push(await e.embedVariants(images));
        }
        const failed = new Set(results.flatMap((r) => r.failures.map((f) => f.index)));
        return {
          vectors: inputs.map((_, i) =>
            failed.has(i) ? undefined : results.flatMap((r) => r.vectors[i] ?? []),
          ),
          failures: results[0]?.failures ?? [],
        };
      },
      dispose: async () => {
        for (const e of extractors) {
          await e.dispose();
        }
        await session.release();
      },
    };
  } catch (error) {
    await session.release();
    throw error;
  }
}

function asCandidate(
  c: Pick<TapCandidate, 'tensor' | 'dim' | 'rank' | 'reason'>,
  plan: PoolPlan | undefined,
): FeatureCandidate {
  return {
    tensor: c.tensor,
    dim: plan?.dim ?? c.dim,
    pooling: plan?.pooling ?? (c.rank === undefined || c.rank <= 2 ? 'none' : 'mean'),
    reason: c.reason,
  };
}

function messageOf(error: unknown): string {
  if (isModelhubError(error)) {
    return error.hint === undefined ? error.message : `${error.message} ${error.hint}`;
  }
  return String(error);
}

/** Inputs, outputs, candidate taps (with pooled dims from a probe run) and resolved preprocessing. */
export async function inspect(modelDir: string, options: AdapterOptions): Promise<ModelInspection> {
  const declared = await declaredOnnxModality(modelDir, options.preprocess);
  if (declared === 'audio' || declared === 'text') {
    return inspectModality(modelDir, declared, options);
  }
  const loaded = await loadOnnx(modelDir);
  if (declared === undefined && modalityOfGraph(loaded) === 'text') {
    return inspectModality(modelDir, 'text', options);
  }
  const warnings: string[] = [];
  const found = findFeatureTaps(loaded.model);
  let chosen: TapCandidate | undefined;
  try {
    chosen = chooseFeatureTap(loaded.model, { layer: options.layer, source: loaded.modelPath });
  } catch (error) {
    warnings.push(messageOf(error));
  }
  const listed =
    chosen === undefined || found.some((c) => c.tensor === chosen.tensor) ? found : [...found, chosen];
  // The feature tensors just before the tap: what `hub train` also tries.
  const earlier =
    chosen === undefined
      ? []
      : earlierFeatureTensors(loaded.model, chosen.tensor, 2)
          .filter((tensor) => !listed.some((c) => c.tensor === tensor))
          .map((tensor) => ({
            tensor,
            dim: 0,
            rank: undefined,
            reason: 'input of an earlier learned layer',
          }));
  // The map the tap pools away: `hub train` also offers the tap joined with a grid view of it.
  const map = chosen === undefined ? undefined : gridViewMap(loaded, chosen.tensor);
  const viewed =
    map === undefined || [...listed, ...earlier].some((c) => c.tensor === map)
      ? []
      : [
          {
            tensor: map,
            dim: 0,
            rank: undefined,
            reason: 'the map the tap pools away (hub train’s grid view)',
          },
        ];
  const all = [...listed, ...earlier, ...viewed];
  let spec: PreprocessSpec | null = null;
  const plans = new Map<string, PoolPlan>();
  try {
    const input = imageInput(loaded);
    const resolved = await resolveSpec(loaded, input, options.preprocess);
    spec = resolved.spec;
    warnings.push(...resolved.warnings);
    if (all.length > 0) {
      await probePlans(loaded, input, spec, all, options, plans);
    }
  } catch (error) {
    warnings.push(messageOf(error));
  }
  const candidates = all.map((c) => asCandidate(c, plans.get(c.tensor)));
  return {
    format: 'onnx',
    modality: 'image',
    contract: imageContract(spec),
    inputs: loaded.inputs.map(tensorInfo),
    outputs: loaded.outputs.map(tensorInfo),
    candidates,
    chosen: chosen === undefined ? undefined : candidates.find((c) => c.tensor === chosen.tensor),
    preprocess: spec,
    warnings,
  };
}

async function probePlans(
  loaded: LoadedOnnx,
  input: OnnxValueInfo,
  spec: PreprocessSpec,
  candidates: ReadonlyArray<Pick<TapCandidate, 'tensor' | 'dim'>>,
  options: AdapterOptions,
  plans: Map<string, PoolPlan>,
): Promise<void> {
  const { session, traced } = await openTapped(
    loaded,
    input,
    spec,
    candidates.map((c) => c.tensor),
    options.workDir,
  );
  try {
    for (const c of candidates) {
      plans.set(c.tensor, planFor(c, traced, spec, options.pooling, options.mask));
    }
  } finally {
    await session.release();
  }
}

/** How the scores of the chosen output are read. */
interface OutputReader {
  readonly name: string;
  readonly read: (
    data: Float32Array,
    dims: readonly number[],
    row: number,
    k: number,
  ) => OriginalPrediction['top'];
}

async function outputReader(
  loaded: LoadedOnnx,
  probeDimsOf: (name: string) => Promise<number[]>,
): Promise<OutputReader> {
  let name = loaded.outputs[0]?.name ?? '';
  try {
    name = chooseFeatureTap(loaded.model).output;
  } catch {
    // no classifier found: the first output is the best guess
  }
  const producer = loaded.model.graph.nodes.find((n) => n.outputs.includes(name));
  const isProbability = producer?.opType === 'Softmax' || producer?.opType === 'Sigmoid';
  const dims = await probeDimsOf(name);
  const classes = dims.at(-1) ?? 0;
  if (dims.length !== 2 && dims.length !== 3) {
    throw new ModelhubError(
      'UNSUPPORTED_MODEL',
      `${loaded.modelPath}: output "${name}" has shape [${dims.join(', ')}], not class scores ([N, C] or [N, T, C]).`,
      {
        hint: 'predict shows classifier outputs; for other models use `hub embed` with --layer.',
        details: { output: name, dims },
      },
    );
  }
  if (dims.length === 3) {
    const alphabet = await readCtcAlphabet(loaded.modelDir, classes);
    if (alphabet !== undefined) {
      return {
        name,
        read: (data, d, row) => {
          const steps = d[1] ?? 0;
          const per = steps * classes;
          const { text, score } = ctcGreedyDecode(
            data.subarray(row * per, (row + 1) * per),
            steps,
            classes,
            alphabet,
          );
          return [{ label: text, index: -1, score }];
        },
      };
    }
  }
  const labels = await readClassLabels(loaded.modelDir, loaded.model, classes);
  return {
    name,
    read: (data, d, row, k) => {
      const per = d.slice(1).reduce((a, b) => a * b, 1);
      let scores = data.subarray(row * per, (row + 1) * per);
      if (d.length === 3) {
        // per-step scores without an alphabet: average over steps
        const steps = d[1] ?? 1;
        const mean = new Float32Array(classes);
        for (let t = 0; t < steps; t++) {
          for (let c = 0; c < classes; c++) {
            mean[c] = (mean[c] ?? 0) + (scores[t * classes + c] ?? 0) / steps;
          }
        }
        scores = mean;
      }
      const probs = isProbability ? scores : softmax(scores);
      return topK(probs, k).map((index) => ({
        label: labels?.[index] ?? String(index),
        index,
        score: probs[index] ?? 0,
      }));
    },
  };
}

/**
 * Runs the unedited model with its original head on images (our preprocessing) and returns the
 * top-k classes per input (softmax applied when the graph ends in logits). A text recogniser with a
 * `*keys*.txt` alphabet is CTC-decoded instead, giving the text as the single label.
 */
export async function predictOriginal(
  modelDir: string,
  inputs: readonly ImageInput[],
  options: AdapterOptions & { readonly topK: number },
): Promise<OriginalPrediction[]> {
  const declared = await declaredOnnxModality(modelDir, options.preprocess);
  if (declared === 'audio' || declared === 'text') {
    throw new ModelhubError(
      'UNSUPPORTED_MODEL',
      `${modelDir} is a ${declared} backbone without an output layer of its own, so it has no labels to predict.`,
      {
        hint: 'Use `hub embed` for its features, or train a head on it with `hub train` and predict with the head.',
      },
    );
  }
  const loaded = await loadOnnx(modelDir);
  const input = imageInput(loaded);
  const { spec } = await resolveSpec(loaded, input, options.preprocess);
  const session = await createSession(loaded.modelPath, loaded.modelPath);
  try {
    const reader = await outputReader(
      loaded,
      async (name) => (await probe(session, input.name, spec, [name])).get(name) ?? [],
    );
    const batchSize = Math.max(1, Math.floor(options.batchSize ?? DEFAULT_BATCH_SIZE));
    const results: OriginalPrediction[] = [];
    for (let start = 0; start < inputs.length; start += batchSize) {
      const batch = inputs.slice(start, start + batchSize);
      const decoded = await decodeBatch(batch, spec);
      const byIndex = new Map<number, OriginalPrediction>();
      for (const f of decoded.failures) {
        byIndex.set(f.index, { input: f.input, top: [], error: f.error });
      }
      for (let i = 0; i < batch.length; i++) {
        const img = decoded.images[i];
        if (img === undefined) {
          continue;
        }
        const out = await session.run({ [input.name]: new Tensor('float32', img.data, [1, ...img.dims]) }, [
          reader.name,
        ]);
        const t = out[reader.name];
        if (t === undefined) {
          throw new ModelhubError('INTERNAL', `onnxruntime returned no "${reader.name}" tensor.`);
        }
        const item = batch[i] as ImageInput;
        byIndex.set(i, {
          input: typeof item === 'string' ? item : `<${item.byteLength} bytes>`,
          top: reader.read(t.data as Float32Array, t.dims, 0, options.topK),
        });
      }
      for (let i = 0; i < batch.length; i++) {
        const r = byIndex.get(i);
        if (r !== undefined) {
          results.push(r);
        }
      }
    }
    return results;
  } finally {
    await session.release();
  }
}

/** The ONNX backend of the `ModelAdapter` contract. */
export const onnxAdapter: ModelAdapter = {
  format: 'onnx',
  detect,
  inspect,
  loadFeatureExtractor,
  loadCandidateExtractor,
  predictOriginal,
  // Imported on use: fusing is rare and must not slow down loading the adapter.
  fuseHead: async (modelDir, head, options) => {
    switch (options.preprocess?.modality) {
      case 'audio':
        return (await import('../fuse/fuse-audio-head.ts')).fuseAudioHead(modelDir, head, options);
      case 'text':
        return (await import('../fuse/fuse-text-head.ts')).fuseTextHead(modelDir, head, options);
      default:
        return (await import('../fuse/fuse-head.ts')).fuseHead(modelDir, head, options);
    }
  },
  scoreExported: async (model, feed) =>
    (await import('../fuse/score-exported.ts')).scoreExported(model, feed),
};
