/** The JSON contract of `kcov-review check --format json` (docs/json.md). Keep it stable. */
import type { Review } from '../review/types';

export interface JsonTraceStep { file: string; line: number; context: string; text: string }
export interface JsonHunk { file: string; header: string; patchLine: number; located: boolean; how: string | null; baseLine: number | null; reason: string | null; damage: string[] }
export interface JsonFinding {
  rule: string; severity: string; verdict: string; configs: string[]; function: string; file: string;
  patchLine: number | null; sourceLine: number; image: 'pre' | 'post'; message: string; trace: JsonTraceStep[];
  /** The generated litmus test behind a memory-ordering finding, when there is one. */
  litmus: string | null;
}
export interface JsonProblem { code: string; severity: string; patchLine: number; message: string }
export interface JsonReview {
  patch: string; tree: string | null; treeSource: string | null; configs: string[];
  hunks: JsonHunk[]; findings: JsonFinding[]; problems: JsonProblem[];
}

/** Lines in the JSON are 1-based, like the text output and the `@@` headers. */
export function toJson(patchFile: string, r: Review): JsonReview {
  return {
    patch: patchFile,
    tree: r.tree?.path ?? null,
    treeSource: r.tree?.source ?? null,
    configs: [...r.configs],
    hunks: r.hunks.map((h) => ({
      file: h.file.path,
      header: h.hunk.header,
      patchLine: h.hunk.headerLine + 1,
      located: h.where.located,
      how: h.where.located ? h.where.how : null,
      baseLine: h.where.located ? h.where.baseLine1 : null,
      reason: h.where.located ? null : h.where.reason,
      damage: [...h.hunk.damage],
    })),
    findings: r.findings.map((f) => ({
      rule: f.rule, severity: f.severity, verdict: f.verdict, configs: [...f.configs], function: f.function, file: f.file,
      patchLine: f.patchLine === null ? null : f.patchLine + 1, sourceLine: f.sourceLine, image: f.image, message: f.message,
      trace: f.trace.map((t) => ({ file: t.file, line: t.line, context: t.context, text: t.text })),
      litmus: f.litmus ?? null,
    })),
    problems: r.problems.map((p) => ({ code: p.code, severity: p.severity, patchLine: p.line + 1, message: p.message })),
  };
}
