/**
 * Rule `publish-reader`: the other side of each publication. Even with a correct kernel writer (the
 * count stored with release ordering), the documented user-space reader of kcov.rst loads `cover[0]`
 * with __ATOMIC_RELAXED and then the entries: the LKMM allows it to see the new count and stale
 * entries. Reported as Information (the patch does not touch the reader), with the litmus proof.
 */
import { DOCUMENTED_READER, decidePublication, publicationLitmus, staleReadPossible, herdForm } from '../model/publicationLitmus';
import { publicationSites } from './publishBarrier';
import type { Rule, RuleFinding, RuleInput } from './types';

export const PUBLISH_READER = 'publish-reader';

const ORDER_NAMES = { relaxed: '__ATOMIC_RELAXED', acquire: '__ATOMIC_ACQUIRE', seq_cst: '__ATOMIC_SEQ_CST' } as const;

export const publishReaderRule: Rule = {
  id: PUBLISH_READER,
  title: 'The documented user-space reader must load the count with acquire (or smp_rmb()) before reading entries',
  run(input: RuleInput): RuleFinding[] {
    const out: RuleFinding[] = [];
    const file = input.view.image.path;
    const reader = input.env?.reader ?? DOCUMENTED_READER;
    for (const { summary, hits } of publicationSites(input)) {
      for (const h of hits) {
        const name = `kcov-reader+${summary.function}${h.caseLabel ? '+' + h.caseLabel.replace(/\W+/g, '_') : ''}`;
        const litmus = publicationLitmus(name, [{ kind: 'entry', store: h.entry.store, line: h.entry.line }, { kind: 'count', store: 'release', line: h.count.line }], reader);
        const verdict = decidePublication(litmus);
        if (!staleReadPossible(verdict)) continue;
        const where = h.caseLabel ? ` (${h.caseLabel})` : '';
        out.push({
          rule: PUBLISH_READER,
          severity: 'information',
          config: input.view.config.name,
          function: summary.function,
          role: `reader of the count store${where}`,
          line: h.count.line,
          span: [h.count.line, h.count.line],
          message: `The user-space reader documented in ${reader.source} loads cover[0] with ${ORDER_NAMES[reader.countLoad]}${reader.rmb ? ' (then smp_rmb())' : ''}: even with the kernel's count stored with release ordering, it can see the new count and stale entries${where}. `
            + 'The reader needs __ATOMIC_ACQUIRE (or a read barrier) on that load; the kernel side cannot fix this.',
          trace: [
            { file, line: h.count.line + 1, context: summary.function, text: `count published: ${h.count.text.trim()} (taken as a release store)` },
            { file: reader.file ?? 'Documentation/dev-tools/kcov.rst', line: reader.line ?? 0, context: 'user-space reader', text: `n = __atomic_load_n(&cover[0], ${ORDER_NAMES[reader.countLoad]}); then cover[1..n]` },
            { file, line: h.count.line + 1, context: 'LKMM', text: `litmus test (release writer, documented reader), exists (new count, stale entry): ${verdict.result}` },
          ],
          fix: null,
          litmus: herdForm(litmus),
        });
      }
    }
    return out;
  },
};
