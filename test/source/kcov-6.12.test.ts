/**
 * The source stage on the real Debian 6.12 kernel/kcov.c (read from the extracted cache at run
 * time, never copied): every function definition is found under every configuration, checked
 * against an independent line-based scan written here.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CONFIGS, type ConfigRow } from '../../server/src/model/configs';
import { buildView, buildViews, errorLines, functionAt, initParser, parseCount, sourceImage } from '../../server/src/source';
import type { SourceImage } from '../../server/src/patch/types';
import { readKcov } from '../support/kernel';

type Symbols = ConfigRow['symbols'];

/** Independent scan: only #ifdef/#ifndef/#else/#endif on CONFIG_ symbols (what kcov.c uses;
 *  anything else fails the scan), and a function is a line starting with a lower-case letter,
 *  holding `name(`, whose header runs (without a `;`) to a line that is just `{`. */
function scanFunctions(text: string, symbols: Symbols): Map<string, number> {
  const lines = text.split('\n');
  const found = new Map<string, number>();
  const stack: { parent: boolean; on: boolean }[] = [];
  const live = (): boolean => stack.every((f) => f.on);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const d = /^#\s*(\w+)\s*(\w*)/.exec(line);
    if (d) {
      const [, kw, sym] = d;
      if (kw === 'ifdef' || kw === 'ifndef') {
        const defined = symbols[sym] !== undefined && symbols[sym] !== false;
        stack.push({ parent: live(), on: kw === 'ifdef' ? defined : !defined });
      } else if (kw === 'else') stack[stack.length - 1].on = !stack[stack.length - 1].on;
      else if (kw === 'endif') stack.pop();
      else if (kw === 'if' || kw === 'elif') throw new Error(`scan cannot read line ${i + 1}: ${line}`);
      continue;
    }
    if (!live()) continue;
    const header = /^[a-z][^;=]*?\b(\w+)\(/.exec(line);
    if (!header) continue;
    for (let j = i; j < lines.length && j < i + 5; j++) {
      if (lines[j] === '{') {
        found.set(header[1], i);
        break;
      }
      if (/;\s*$/.test(lines[j])) break;
    }
  }
  return found;
}

function withSymbols(row: ConfigRow, extra: Symbols): ConfigRow {
  return { ...row, symbols: { ...row.symbols, ...extra } };
}

let image: SourceImage;
beforeAll(async () => {
  await initParser();
  image = sourceImage('kernel/kcov.c', readKcov());
});

describe('kcov.c 6.12: function index per configuration', () => {
  it.each(CONFIGS.map((c) => [c.name, c] as const))('%s: same functions, at the same lines, as the independent scan', (_name, config) => {
    const view = buildView(image, config);
    const expected = scanFunctions(image.text, config.symbols);
    expect(expected.size).toBeGreaterThan(40);
    expect([...view.functions.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [name, line] of expected) {
      const f = view.functions.get(name)!;
      expect(f.startLine, name).toBe(line);
      // The whole definition, return type included: an annotation the parser could not read
      // would split `void notrace f(void)` into a declaration and a definition starting at `f`.
      expect(f.node.startPosition.column, name).toBe(0);
      expect(errorLines(f.node), name).toEqual([]);
    }
  });

  it('finds the functions the review is about, in every row', () => {
    const names = ['__sanitizer_cov_trace_pc', 'write_comp_data', '__sanitizer_cov_trace_cmp4', '__sanitizer_cov_trace_switch', 'kcov_move_area', 'kcov_remote_start', 'kcov_remote_stop', 'kcov_remote_softirq_start', 'kcov_remote_softirq_stop', 'in_softirq_really', 'check_kcov_mode', 'kcov_ioctl_locked', 'kcov_init'];
    for (const view of buildViews(image)) {
      for (const n of names) expect(view.functions.has(n), `${n} in ${view.config.name}`).toBe(true);
    }
  });

  it('reads the C without errors inside function bodies (annotations and macro type arguments blanked)', () => {
    for (const view of buildViews(image)) {
      expect(view.parseErrors, view.config.name).toEqual([]);
      expect(view.preprocessorProblems, view.config.name).toEqual([]);
    }
  });

  it('sets every CONFIG_ symbol the file tests (none unknown) and indexes selftest(), an __init function', () => {
    for (const view of buildViews(image)) {
      expect(view.unknownSymbols).toEqual([]);
      expect(view.functions.get('selftest')?.annotations).toEqual(['__init']);
    }
  });

  it('reports a CONFIG_ symbol the row does not set as unknown and leaves its code out', () => {
    const { CONFIG_KCOV_SELFTEST: _dropped, ...symbols } = CONFIGS[0].symbols;
    const view = buildView(image, { ...CONFIGS[0], symbols });
    expect(view.unknownSymbols).toEqual(['CONFIG_KCOV_SELFTEST']);
    expect(view.functions.has('selftest')).toBe(false);
  });

  it('indexes selftest() (an __init function) when a row sets CONFIG_KCOV_SELFTEST', () => {
    const row = withSymbols(CONFIGS[0], { CONFIG_KCOV_SELFTEST: true });
    const view = buildView(image, row);
    const expected = scanFunctions(image.text, row.symbols);
    expect(expected.has('selftest')).toBe(true);
    expect([...view.functions.keys()].sort()).toEqual([...expected.keys()].sort());
    expect(view.functions.get('selftest')?.annotations).toEqual(['__init']);
    expect(view.unknownSymbols).toEqual([]);
  });

  it('drops the comparison hooks when CONFIG_KCOV_ENABLE_COMPARISONS=n', () => {
    const row = withSymbols(CONFIGS[0], { CONFIG_KCOV_ENABLE_COMPARISONS: false });
    const view = buildView(image, row);
    expect(view.functions.has('write_comp_data')).toBe(false);
    expect(view.functions.has('__sanitizer_cov_trace_cmp1')).toBe(false);
    expect(view.functions.has('__sanitizer_cov_trace_pc')).toBe(true);
    expect([...view.functions.keys()].sort()).toEqual([...scanFunctions(image.text, row.symbols).keys()].sort());
  });

  it('records kernel annotations on their functions', () => {
    const view = buildView(image, CONFIGS[0]);
    expect(view.functions.get('__sanitizer_cov_trace_pc')?.annotations).toEqual(['notrace']);
    expect(view.functions.get('write_comp_data')?.annotations).toEqual(['notrace']);
    expect(view.functions.get('in_softirq_really')?.annotations).toEqual(['__always_inline']);
    expect(view.functions.get('kcov_init')?.annotations).toEqual(['__init']);
    expect(view.functions.get('kcov_move_area')?.annotations).toEqual([]);
  });

  it('gives the function node, its body, and its extent', () => {
    const view = buildView(image, CONFIGS[0]);
    const lines = image.text.split('\n');
    const f = view.functions.get('kcov_remote_stop');
    expect(f?.node.type).toBe('function_definition');
    expect(f?.body.type).toBe('compound_statement');
    expect(lines[f!.startLine]).toBe('void kcov_remote_stop(void)');
    expect(lines[f!.endLine]).toBe('}');
    expect(lines[f!.endLine + 1]).toBe('EXPORT_SYMBOL(kcov_remote_stop);');
    const inside = lines.findIndex((l, i) => i > f!.startLine && l.includes('kcov_move_area('));
    expect(functionAt(view, inside)?.name).toBe('kcov_remote_stop');
    expect(functionAt(view, f!.endLine + 1)).toBeUndefined();
  });

  it('resolves the PREEMPT_RT block in kcov_init per row', () => {
    const lines = image.text.split('\n');
    const rtLine = lines.findIndex((l) => l.includes('cpu = cpu >= 4'));
    expect(rtLine).toBeGreaterThan(0);
    const [nonRt, rtBh, rt] = buildViews(image);
    expect(nonRt.active[rtLine]).toBe(false);
    expect(rtBh.active[rtLine]).toBe(true);
    expect(rt.active[rtLine]).toBe(true);
    // The blanked line keeps its length; the parse of !RT does not contain it.
    expect(nonRt.parsedText.split('\n')[rtLine].trim()).toBe('');
    expect(nonRt.parsedText.length).toBe(image.text.length);
    expect(rt.functions.get('kcov_init')!.body.text).toContain('cpu * 2');
    expect(nonRt.functions.get('kcov_init')!.body.text).not.toContain('cpu * 2');
  });

  it('collects the file macros', () => {
    const view = buildView(image, CONFIGS[0]);
    expect(view.macros.get('KCOV_WORDS_PER_CMP')).toMatchObject({ params: null, body: '4' });
    expect(view.macros.get('kcov_debug')?.params).toEqual(['fmt', '...']);
    expect(view.macros.get('pr_fmt')).toMatchObject({ params: ['fmt'], body: '"kcov: " fmt' });
  });

  it('caches views and shares trees between rows whose preprocessed text is identical', () => {
    const before = parseCount();
    const a = buildView(image, CONFIGS[2]);
    const b = buildView(image, CONFIGS[2]);
    expect(b).toBe(a);
    const again = sourceImage('copy/kcov.c', image.text);
    expect(buildView(again, CONFIGS[2]).tree).toBe(a.tree);
    expect(buildView(image, CONFIGS[1]).tree).toBe(a.tree); // kcov.c never tests CONFIG_PREEMPT_RT_NEEDS_BH_LOCK
    expect(parseCount()).toBe(before);
  });
});
