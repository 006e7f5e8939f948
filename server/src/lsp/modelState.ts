/**
 * "kcov-review: Show model state at cursor" (request `kcovReview/modelState`): the full abstract
 * state before the cursor's line, per configuration and context (counters, locks held with their
 * kinds and where they were taken), where the function is entered from, and who may run on this
 * CPU at this point: for each context, whether the preemption table (contexts.ts PREEMPT_TABLE,
 * mayPreempt()) lets it run inside this activation here, and which row decides. Markdown, so the
 * client can show it beside the code and a reviewer can paste parts into the reply.
 *
 * Pure: the Review, the document and the model lookup in.
 */
import type { Position } from 'vscode-languageserver';
import type { ConfigName } from '../model/configs';
import type { Review } from '../review/types';
import { documentLines } from './documents';
import { imageLineAt, where, type ModelAtLine, type ModelLookup, type PreemptionAt } from './inlayHints';

const COLUMNS = ['preempt', 'migrate', 'hardirq', 'bh', 'rcu'] as const;

const cell = (s: string): string => s.replace(/\|/g, '\\|');

function stateTable(model: ModelAtLine): string[] {
  const rows = [`| context | paths | ${COLUMNS.join(' | ')} | locks held (kind, taken at) |`, `|${' --- |'.repeat(COLUMNS.length + 3)}`];
  for (const r of model.reaching) {
    const locks = r.state.locks.length > 0 ? r.state.locks.map((l) => `${l.id} (${l.kind}, ${where(l)})`).join(', ') : '—';
    rows.push(`| ${r.context} | ${r.paths} | ${COLUMNS.map((k) => String(r.state[k])).join(' | ')} | ${cell(locks)} |`);
  }
  return rows;
}

function disagreement(model: ModelAtLine): string {
  if (model.merged.agree) return model.reaching.length === 1 ? 'One state reaches this line.' : 'All paths reach this line in the same state.';
  const differ = COLUMNS.filter((k) => model.merged.counters[k].length > 1).map((k) => `${k} ${model.merged.counters[k].join('|')}`);
  const some = model.merged.locks.filter((l) => l.held === 'some').map((l) => `${l.id} held on some paths only`);
  return `Paths disagree: ${[...differ, ...some].join('; ') || 'in the contexts they run in'}. Each row is one state; the hint merges them.`;
}

/** One row per (running context, preempting context): the decision, or its variants when states differ. */
function preemptionTable(model: ModelAtLine): string[] {
  const rows = ['| running | may run inside it here | allowed | row | why |', '| --- | --- | --- | --- | --- |'];
  const byPair = new Map<string, PreemptionAt[]>();
  for (const list of model.preemption) for (const p of list) byPair.set(`${p.victim}\u0000${p.by}`, [...(byPair.get(`${p.victim}\u0000${p.by}`) ?? []), p]);
  for (const list of byPair.values()) {
    const first = list[0];
    const allowed = list.every((p) => p.allowed) ? 'yes' : list.some((p) => p.allowed) ? 'on some paths' : 'no';
    const rowsUsed = [...new Set(list.map((p) => p.row ?? 'none'))].join(', ');
    const whys = [...new Set(list.map((p) => p.why))].join('; ');
    rows.push(`| ${first.victim} | ${first.by} | ${allowed} | \`${rowsUsed}\` | ${cell(whys)} |`);
  }
  return rows;
}

function cites(model: ModelAtLine): string[] {
  const all = [...new Set(model.preemption.flat().map((p) => (p.row && p.cite ? `\`${p.row}\`: ${p.cite}` : null)).filter((c): c is string => c !== null))];
  return all.length > 0 ? ['', '<details><summary>Rows cited</summary>', '', ...all.map((c) => `- ${c}`), '', '</details>'] : [];
}

function configSection(config: ConfigName, model: ModelAtLine | null): string[] {
  const head = `### ${config}`;
  if (!model) return [head, '', 'Not a code line of a function under this configuration.'];
  switch (model.status) {
    case 'inactive': return [head, '', `Not compiled under \`${config}\` (#if).`];
    case 'unmodelled': return [head, '', `\`${model.fn}()\` is not modelled under \`${config}\`: a parse error or a broken #if inside it.`];
    case 'unreached': {
      const entries = model.states?.entries.map((e) => e.context) ?? [];
      return [head, '', `No modelled path reaches this line under \`${config}\` in the contexts \`${model.fn}()\` is entered in (${[...new Set(entries)].join(', ') || 'none'}).`];
    }
    case 'reached': break;
  }
  const origins = [...new Set(model.reaching.flatMap((r) => r.origins))];
  const notes = [model.states?.truncated ? 'A bound of the model was hit: some paths or entry states are missing.' : null].filter((n): n is string => n !== null);
  return [
    head, '',
    `State before the line, per context. ${disagreement(model)}`, '',
    ...stateTable(model), '',
    'Who may run on this CPU inside this activation here (preemption table, `mayPreempt()`):', '',
    ...preemptionTable(model),
    ...cites(model), '',
    `Entered: ${origins.map((o) => `\n- ${o}`).join('')}`,
    ...notes.map((n) => `\n${n}`),
  ];
}

/** The model state at the cursor as markdown, always with a sentence saying why when there is none. */
export function modelState(review: Review, text: string, position: Position, lookup: ModelLookup, sourceFile: boolean): string {
  const docLines = documentLines(text);
  const at = imageLineAt(review, position.line, sourceFile);
  if (!at) return `kcov-review: line ${position.line + 1} is not a line of a located kernel/kcov.c hunk (nor of kcov.c opened as a file): no model state there.`;
  const image = at.side === 'post' ? at.pair.post : at.pair.pre;
  const models = review.configs.map((config) => ({ config, model: lookup(image, config, at.line) }));
  const fn = models.find((m) => m.model?.fn)?.model?.fn ?? null;
  const side = sourceFile ? '' : ` (${at.side === 'post' ? 'post-image: as the patch leaves it' : 'pre-image: the line the patch removes'})`;
  const where = `${at.pair.path}:${at.line + 1}${side}`;
  const stateLine = models.find((m) => m.model)?.model?.stateLine ?? at.line;
  const lines = [
    `## kcov-review: model state before ${where}${fn ? ` in \`${fn}()\`` : ''}`, '',
    '```c', (image.text.split('\n')[at.line] ?? docLines[position.line] ?? '').replace(/\t/g, '        '), '```', '',
  ];
  if (stateLine !== at.line) lines.push(`The line continues the statement at line ${stateLine + 1}: the state is the one before that statement.`, '');
  if (models.every((m) => m.model === null)) {
    lines.push('Not a code line of a function body (a declaration outside functions, a comment, a blank or preprocessor line).');
    return lines.join('\n');
  }
  for (const { config, model } of models) lines.push(...configSection(config, model), '');
  return lines.join('\n');
}
