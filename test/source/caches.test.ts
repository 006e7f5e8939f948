import { beforeAll, describe, expect, it } from 'vitest';
import { CONFIGS } from '../../server/src/model/configs';
import { buildView, initParser, sourceImage } from '../../server/src/source';
import { VIEW_CACHE_SIZE } from '../../server/src/source/views';
import { lexMask } from '../../server/src/source/mask';
import type { Node, Tree } from 'web-tree-sitter';
import { incrementalParseCount, parseC, parseFresh } from '../../server/src/source/parser';
import { Lru } from '../../server/src/memo';
import { readKcov } from '../support/kernel';

describe('Lru', () => {
  it('holds at most its capacity and forgets the least recently used entry', () => {
    const lru = new Lru<string, number>(3);
    for (const [k, v] of [['a', 1], ['b', 2], ['c', 3]] as const) lru.set(k, v);
    expect(lru.get('a')).toBe(1); // a is now the most recent
    lru.set('d', 4);
    expect(lru.size).toBe(3);
    expect(lru.get('b')).toBeUndefined();
    expect([lru.get('a'), lru.get('c'), lru.get('d')]).toEqual([1, 3, 4]);
    for (let i = 0; i < 100; i++) lru.set(`k${i}`, i);
    expect(lru.size).toBe(3);
    expect(lru.get('k99')).toBe(99);
    expect(lru.get('k96')).toBeUndefined();
  });
});

describe('views share what depends only on the preprocessed text', () => {
  beforeAll(async () => { await initParser(); });

  it('RT+BHlock and RT resolve kcov.c the same way: one parsed text, tree and function index; !RT has its own', () => {
    const image = sourceImage('kernel/kcov.c', readKcov() + '\n/* source caches.test */\n');
    const [nonRt, rtBh, rt] = CONFIGS.map((c) => buildView(image, c));
    expect(rt).not.toBe(rtBh);
    expect(rt.config.name).toBe('RT');
    expect(rt.tree).toBe(rtBh.tree);
    expect(rt.functions).toBe(rtBh.functions);
    expect(rt.parsedText).toBe(rtBh.parsedText);
    expect(nonRt.parsedText).not.toBe(rt.parsedText);
    expect(nonRt.functions).not.toBe(rt.functions);
  });

  it('a cache hit equals a fresh build; a changed text misses', () => {
    const text = readKcov() + '\n/* source caches.test: hit */\n';
    const a = buildView(sourceImage('kernel/kcov.c', text), CONFIGS[0]);
    const b = buildView(sourceImage('kernel/kcov.c', text), CONFIGS[0]);
    expect(b).toBe(a);
    const changed = buildView(sourceImage('kernel/kcov.c', text.replace('void kcov_remote_start(u64 handle)', 'void kcov_remote_begin(u64 handle)')), CONFIGS[0]);
    expect(changed).not.toBe(a);
    expect(changed.functions.has('kcov_remote_begin')).toBe(true);
    expect(changed.functions.has('kcov_remote_start')).toBe(false);
    expect([...changed.functions.keys()].length).toBe([...a.functions.keys()].length);
  });
});

describe('lexMask', () => {
  it('keeps every code unit in place, lone surrogates and CRLF included', () => {
    const src = 'a\ud800 /* \udc00 */ "s\\"\ud800" // c\r\nx';
    const m = lexMask(src);
    expect(m.noComments.length).toBe(src.length);
    expect(m.code.length).toBe(src.length);
    const comment = ' /* \udc00 */ '.length;
    expect(m.noComments).toBe(`a\ud800${' '.repeat(comment)}"s\\"\ud800"     \r\nx`);
    expect(m.code).toBe(`a\ud800${' '.repeat(comment)}"    "     \r\nx`);
    expect(m.endsInComment).toEqual([false, false]);
  });
});

describe('the view cache is bounded', () => {
  beforeAll(async () => { await initParser(); });

  it(`keeps the last ${VIEW_CACHE_SIZE} views: a recent one is reused, the oldest is rebuilt`, () => {
    const small = (i: number) => sourceImage('kernel/kcov.c', `int f${i}(void)\n{\n\treturn ${i};\n}\n`);
    const first = buildView(small(0), CONFIGS[0]);
    for (let i = 1; i <= VIEW_CACHE_SIZE; i++) buildView(small(i), CONFIGS[0]);
    expect(buildView(small(VIEW_CACHE_SIZE), CONFIGS[0])).toBe(buildView(small(VIEW_CACHE_SIZE), CONFIGS[0]));
    const rebuilt = buildView(small(0), CONFIGS[0]);
    expect(rebuilt).not.toBe(first);
    expect([...rebuilt.functions.keys()]).toEqual(['f0']);
  });
});

describe('incremental parsing', () => {
  beforeAll(async () => { await initParser(); });

  /** Every node's type, range, point and flags, in document order. */
  const dump = (t: Tree): string[] => {
    const out: string[] = [];
    const visit = (n: Node): void => {
      out.push(`${n.type} ${n.startIndex}-${n.endIndex} ${n.startPosition.row}:${n.startPosition.column}-${n.endPosition.row}:${n.endPosition.column}${n.isMissing ? ' missing' : ''}${n.hasError ? ' error' : ''}`);
      for (const c of n.children) if (c) visit(c);
    };
    visit(t.rootNode);
    return out;
  };

  it('reparses an edited kcov.c from the close text parsed before, giving what a fresh parse gives', () => {
    const text = readKcov() + '\n/* incremental 1 */\n';
    parseC(text);
    const before = incrementalParseCount();
    const at = text.indexOf('void kcov_remote_start(u64 handle)');
    const edits = [
      text.slice(0, at) + '/* an added comment */\n' + text.slice(at),
      text.replace('\tkcov_move_area(kcov->mode, kcov->area, kcov->size, area);', '\tkcov_move_area(kcov->mode, kcov->area, kcov->size, area);\n\tsmp_wmb();'),
      text.replace(/\n\n/, '\n'),
      text.slice(0, at) + '/* h\u00e9ndle \ud83d\ude00 */ ' + text.slice(at),
    ];
    for (const edited of edits) {
      const tree = parseC(edited);
      const fresh = parseFresh(edited);
      expect(dump(tree)).toEqual(dump(fresh));
      fresh.delete();
    }
    expect(incrementalParseCount() - before).toBe(edits.length);
  });

  it('parses afresh when the edit is where an error is (error recovery may differ), and still gives the fresh tree', () => {
    const text = 'int a;\nint f(void) {\n\treturn 1;\n}\n' + 'int g(void) {\n\treturn 2;\n}\n'.repeat(20);
    parseC(text);
    const before = incrementalParseCount();
    const broken = text.replace('\treturn 1;', '\treturn (1;');
    const tree = parseC(broken);
    expect(tree.rootNode.hasError).toBe(true);
    expect(incrementalParseCount()).toBe(before);
    const fresh = parseFresh(broken);
    expect(dump(tree)).toEqual(dump(fresh));
    fresh.delete();
    // back to clean text: parsed from the clean original, the closest recent text
    const healed = parseC(text + '\n');
    expect(healed.rootNode.hasError).toBe(false);
    expect(incrementalParseCount()).toBe(before + 1);
    const freshHealed = parseFresh(text + '\n');
    expect(dump(healed)).toEqual(dump(freshHealed));
    freshHealed.delete();
  });
});
