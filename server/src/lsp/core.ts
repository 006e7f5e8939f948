/**
 * The analysis core the server presents, in one place: the only module of lsp/ that imports the
 * pipeline. Feature modules take these as parameters so they stay testable on hand-built Reviews.
 */
import type { ConfigName } from '../model/configs';
import { annotationHover, annotationRow, findPrimitive, primitiveHover } from '../model/semantics';
import { repairPatch } from '../patch/repair';
import type { Review } from '../review/types';
import { initParser } from '../source';
import type { PatchRepair } from './codeActions';
import type { PrimitiveDoc } from './hover';

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
