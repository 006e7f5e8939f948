/** Text output in checkpatch's `--emacs` habit: `file:line:col: severity: message [rule]`. */
import type { Review, ReviewFinding } from '../review/types';

/** A finding outside the patch is shown at its line in the tree's file (post-image lines mapped back). */
function where(patchFile: string, f: ReviewFinding, r: Review): string {
  if (f.patchLine !== null) return `${patchFile}:${f.patchLine + 1}:1`;
  const tree = r.tree ? `${r.tree.path}/` : '';
  const pair = r.images.find((p) => p.path === f.file);
  const pre = f.image === 'post' && pair ? pair.map.postToPre.get(f.sourceLine - 1) : f.sourceLine - 1;
  return pre === undefined ? `${f.file} (post-image):${f.sourceLine}:1` : `${tree}${f.file}:${pre + 1}:1`;
}

export function toText(patchFile: string, r: Review, explain: boolean): string {
  const out: string[] = [];
  for (const p of r.problems) out.push(`${patchFile}:${p.line + 1}:1: ${p.severity}: ${p.message} [${p.code}]`);
  for (const f of r.findings) {
    out.push(`${where(patchFile, f, r)}: ${f.severity}: ${f.verdict} (${f.configs.join(', ')}): ${f.message} [${f.rule}]`);
    if (explain) f.trace.forEach((t, k) => out.push(`    ${k + 1}. ${t.file}:${t.line} [${t.context}] ${t.text}`));
  }
  const located = r.hunks.filter((h) => h.where.located).length;
  const count = (v: string): number => r.findings.filter((f) => f.verdict === v).length;
  out.push(`${patchFile}: ${r.hunks.length} hunk(s), ${located} located; tree: ${r.tree ? `${r.tree.path} (${r.tree.source})` : 'none'}; configs: ${r.configs.join(', ')}; `
    + `introduced ${count('introduced')}, fixed ${count('fixed')}, pre-existing ${count('pre-existing')}`);
  return out.join('\n') + '\n';
}
