import { ModelField, GraphField } from '../model/fields.ts';
import { writeValueInfo, type ValueInfoSpec } from '../model/build-model.ts';
import { readOnnxModel } from '../model/onnx-model.ts';
import { WireWriter } from '../wire/wire.ts';
import { ModelhubError } from '@modelhub/core';

/**
 * Returns a copy of the model whose graph has extra outputs (e.g. an inner feature tensor, so
 * onnxruntime can fetch it). Every other byte is copied verbatim: fields this package does not
 * know survive, and the original outputs keep their order. Tensors that already are graph
 * outputs are skipped. Throws INVALID_ARGUMENT for a name no node produces.
 */
export function addGraphOutputs(
  bytes: Uint8Array,
  outputs: readonly ValueInfoSpec[],
  source = 'model.onnx',
): Uint8Array {
  const model = readOnnxModel(bytes, source);
  const existing = new Set(model.graph.outputs.map((o) => o.name));
  const produced = new Set(model.graph.nodes.flatMap((n) => n.outputs));
  for (const i of model.graph.inputs) {
    produced.add(i.name);
  }
  const extra = new WireWriter();
  for (const o of outputs) {
    if (!produced.has(o.name)) {
      throw new ModelhubError('INVALID_ARGUMENT', `${source} has no tensor named "${o.name}".`, {
        hint: 'Run `hub inspect MODEL` to list the candidate feature tensors.',
        details: { tensor: o.name },
      });
    }
    if (!existing.has(o.name)) {
      existing.add(o.name);
      extra.message(GraphField.output, (w) => writeValueInfo(w, o));
    }
  }
  const added = extra.finish();
  if (added.length === 0) {
    return bytes;
  }
  // Protobuf merges repeated embedded messages: appending a graph fragment to the last graph
  // field (or as a new field) adds the outputs without touching the nodes and initializers.
  const out = new WireWriter();
  const lastGraph = model.fields.findLastIndex((f) => f.no === ModelField.graph && f.type === 2);
  model.fields.forEach((f, i) => {
    if (i !== lastGraph) {
      out.raw(f);
      return;
    }
    const merged = new Uint8Array(f.bytes.length + added.length);
    merged.set(f.bytes);
    merged.set(added, f.bytes.length);
    out.bytes(ModelField.graph, merged);
  });
  return out.finish();
}
