/**
 * The analysis core the server presents, in one place: the only module of lsp/ that imports the
 * pipeline. Feature modules take these as parameters so they stay testable on hand-built Reviews.
 */
import { configByName, type ConfigName } from '../model/configs';
import { CONTEXTS, mayPreempt } from '../model/contexts';
import { annotationHover, annotationRow, findPrimitive, primitiveHover } from '../model/semantics';
import { mergeStates, statesAtLine } from '../model/stateAt';
import { repairPatch } from '../patch/repair';
import type { Review } from '../review/types';
import { buildView, initParser } from '../source';
import type { PatchRepair } from './codeActions';
import type { PrimitiveDoc } from './hover';
import type { ModelLookup, PreemptionAt } from './inlayHints';

export { reviewDocument } from '../review/review';

/** Loads tree-sitter from the folder holding both .wasm files (the bundle's own folder). */
export function loadParser(wasmDir: string): Promise<void> {
  return initParser({ wasmDir });
}

export const primitiveDoc: PrimitiveDoc = (name: string, configs: ConfigName[]): string | null => {
  const row = findPrimitive(name);
  if (row) return primitiveHover(row, configs);
  const annotation = annotationRow(name);
  return annotation ? annotationHover(annotation) : null;
};

export const repair: PatchRepair = (text: string, review: Review): string | null => repairPatch(text, review);

/** The model's state before an image line under one configuration, with who may preempt there (inlay hints, model state). */
export const modelAt: ModelLookup = (image, config, line) => {
  const row = configByName(config);
  const states = row ? statesAtLine(buildView(image, row), line) : null;
  if (!states) return null;
  const preemption = states.reaching.map((r) => CONTEXTS.map((by): PreemptionAt => {
    const m = mayPreempt(config, r.context, by, r.state);
    return { victim: r.context, by, allowed: m.allowed, row: m.row?.id ?? null, why: m.why, cite: m.row?.cite ?? null };
  }));
  return { ...states, merged: mergeStates(states.reaching), preemption };
};
