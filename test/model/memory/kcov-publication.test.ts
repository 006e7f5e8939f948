/**
 * The kcov publication pattern as litmus tests (written here, not taken from the kernel): a writer
 * (the traced task) stores a coverage entry, then publishes it by storing the count; a user-space
 * reader loads the count with __atomic_load_n() and then the entry. The bad outcome is the reader
 * seeing the new count but the old entry: exists (1:r0=1 /\ 1:r1=0).
 *
 * Each verdict is argued in LKMM terms (linux-kernel.cat; explanation.txt); C11 loads are lowered
 * as documented in docs/memory-model.md (RELAXED -> READ_ONCE, ACQUIRE/SEQ_CST -> smp_load_acquire),
 * which is the form printLitmus hands to herd7.
 */
import { describe, expect, it } from 'vitest';
import { parseLitmus, printLitmus, runLitmus, type LitmusVerdict } from '../../../server/src/model/memory/index';
import { DOCUMENTED_READER, herdForm, publicationLitmus, type WriterStep } from '../../../server/src/model/publicationLitmus';
import { kernelLitmusTests } from './support';

function kcovTest(name: string, writer: readonly string[], reader: readonly string[]): string {
  return [
    `C ${name}`,
    '',
    '{}',
    '',
    'P0(int *entry, int *count)',
    '{',
    ...writer.map((s) => `\t${s}`),
    '}',
    '',
    'P1(int *entry, int *count)',
    '{',
    '\tint r0;',
    '\tint r1;',
    '',
    ...reader.map((s) => `\t${s}`),
    '}',
    '',
    'exists (1:r0=1 /\\ 1:r1=0)',
    '',
  ].join('\n');
}

const ONCE_WRITER = ['WRITE_ONCE(*entry, 1);', 'WRITE_ONCE(*count, 1);'];
const WMB_WRITER = ['WRITE_ONCE(*entry, 1);', 'smp_wmb();', 'WRITE_ONCE(*count, 1);'];
const RELEASE_WRITER = ['WRITE_ONCE(*entry, 1);', 'smp_store_release(count, 1);'];
/** memcpy()-style entry store: a plain access. */
const PLAIN_WMB_WRITER = ['*entry = 1;', 'smp_wmb();', 'WRITE_ONCE(*count, 1);'];
const PLAIN_WRITER = ['*entry = 1;', 'WRITE_ONCE(*count, 1);'];

const RELAXED_READER = ['r0 = __atomic_load_n(count, __ATOMIC_RELAXED);', 'r1 = READ_ONCE(*entry);'];
const ACQUIRE_READER = ['r0 = __atomic_load_n(count, __ATOMIC_ACQUIRE);', 'r1 = READ_ONCE(*entry);'];
const SEQ_CST_READER = ['r0 = __atomic_load_n(count, __ATOMIC_SEQ_CST);', 'r1 = READ_ONCE(*entry);'];
const RMB_READER = ['r0 = __atomic_load_n(count, __ATOMIC_RELAXED);', 'smp_rmb();', 'r1 = READ_ONCE(*entry);'];
/** Reads the entry only when the count says it is there, as a real kcov reader loops to count. */
const GUARDED_ACQUIRE_READER = ['r0 = __atomic_load_n(count, __ATOMIC_ACQUIRE);', 'if (r0 == 1)', '\tr1 = READ_ONCE(*entry);'];
const GUARDED_RELAXED_READER = ['r0 = __atomic_load_n(count, __ATOMIC_RELAXED);', 'if (r0 == 1)', '\tr1 = READ_ONCE(*entry);'];

interface Case {
  name: string;
  writer: readonly string[];
  reader: readonly string[];
  expected: 'Sometimes' | 'Never';
  dataRace: boolean;
}

const CASES: readonly Case[] = [
  // No ordering on either side: this is MP+poonceonces, Sometimes. Nothing puts
  // W[entry] ->hb W[count] (two independent stores), so no hb/pb cycle exists.
  { name: 'kcov+onceonce+relaxedonce', writer: ONCE_WRITER, reader: RELAXED_READER, expected: 'Sometimes', dataRace: false },
  // smp_wmb() orders the stores (wmb in ppo and cumul-fence), but the reader's two READ_ONCE()s are
  // unordered (no dep, no fence: no ppo between them), so R[entry] may be satisfied first: Sometimes.
  { name: 'kcov+wmbonceonce+relaxedonce', writer: WMB_WRITER, reader: RELAXED_READER, expected: 'Sometimes', dataRace: false },
  // wmb + acquire: R[entry] ->fre W[entry] ->cumul-fence(wmb) W[count] ->rfe R[count] is a prop link
  // between two events of P1, so it is in hb (prop & int), and acq-po gives R[count] ->hb R[entry]:
  // an hb cycle, Never (explanation.txt, the MP pattern).
  { name: 'kcov+wmbonceonce+acquireonce', writer: WMB_WRITER, reader: ACQUIRE_READER, expected: 'Never', dataRace: false },
  // Same cycle with smp_rmb() giving R[count] ->ppo R[entry] (rmb is in fence): Never,
  // exactly MP+fencewmbonceonce+fencermbonceonce.
  { name: 'kcov+wmbonceonce+rmbonce', writer: WMB_WRITER, reader: RMB_READER, expected: 'Never', dataRace: false },
  // smp_store_release() is A-cumulative (po-rel in cumul-fence) and orders the earlier entry
  // store; with the acquire load this is MP+pooncerelease+poacquireonce: Never.
  { name: 'kcov+oncerelease+acquireonce', writer: RELEASE_WRITER, reader: ACQUIRE_READER, expected: 'Never', dataRace: false },
  // A release writer does not help a relaxed reader: the reads can still be reordered: Sometimes.
  { name: 'kcov+oncerelease+relaxedonce', writer: RELEASE_WRITER, reader: RELAXED_READER, expected: 'Sometimes', dataRace: false },
  // __ATOMIC_SEQ_CST loads are modelled as acquire loads, so this is the wmb + acquire case: Never.
  { name: 'kcov+wmbonceonce+seqcstonce', writer: WMB_WRITER, reader: SEQ_CST_READER, expected: 'Never', dataRace: false },
  // A plain (memcpy-style) entry store is still ordered by smp_wmb() for the r0=1 executions
  // (w-post-bounded by the fence, the reader's READ_ONCE is r-pre-bounded), so the outcome is
  // Never; but the reader loads the entry even when r0=0, concurrently with the plain store and
  // unordered with it (rw-race), so herd7 also reports "Flag data-race".
  { name: 'kcov+wmbplainonce+acquireonce', writer: PLAIN_WMB_WRITER, reader: ACQUIRE_READER, expected: 'Never', dataRace: true },
  // Guarding the load by the count (as the user-space reader does) removes the race: the only
  // entry load follows an acquire that read from the publishing store (wr-vis), so Never, no flag.
  { name: 'kcov+wmbplainonce+acquireifonce', writer: PLAIN_WMB_WRITER, reader: GUARDED_ACQUIRE_READER, expected: 'Never', dataRace: false },
  // A control dependency orders later stores only, never later loads (to-r has no ctrl term):
  // the relaxed, guarded reader can still see count=1 and the old entry: Sometimes, and the
  // plain store races with that load.
  { name: 'kcov+wmbplainonce+relaxedifonce', writer: PLAIN_WMB_WRITER, reader: GUARDED_RELAXED_READER, expected: 'Sometimes', dataRace: true },
  // No barrier and a plain entry store: Sometimes, and racy.
  { name: 'kcov+plainonce+relaxedonce', writer: PLAIN_WRITER, reader: RELAXED_READER, expected: 'Sometimes', dataRace: true },
];

function observed(v: LitmusVerdict): { result: string; dataRace: boolean } {
  return v.result === 'Unsupported' ? { result: `Unsupported: ${v.reason}`, dataRace: false } : { result: v.result, dataRace: v.flags.includes('data-race') };
}

describe('kcov publication pattern', () => {
  for (const c of CASES) {
    it(`${c.name}: ${c.expected}${c.dataRace ? ' + data-race' : ''}`, () => {
      const test = parseLitmus(kcovTest(c.name, c.writer, c.reader));
      const v = runLitmus(test);
      expect(observed(v)).toEqual({ result: c.expected, dataRace: c.dataRace });
      // The herd7-ready export says the same.
      expect(observed(runLitmus(parseLitmus(printLitmus(test))))).toEqual({ result: c.expected, dataRace: c.dataRace });
    });
  }

  it('exports C11 loads as the LKMM macros herd7 knows', () => {
    const relaxed = printLitmus(parseLitmus(kcovTest('k1', WMB_WRITER, RELAXED_READER)));
    const acquire = printLitmus(parseLitmus(kcovTest('k2', WMB_WRITER, ACQUIRE_READER)));
    expect(relaxed).toContain('r0 = READ_ONCE(*count);');
    expect(acquire).toContain('r0 = smp_load_acquire(count);');
    expect(relaxed + acquire).not.toContain('__atomic');
  });

  it('tells the barrier variants apart on the same reader (the verdict is not constant)', () => {
    const verdicts = [ONCE_WRITER, WMB_WRITER, RELEASE_WRITER].map((w) => runLitmus(parseLitmus(kcovTest('k', w, ACQUIRE_READER))).result);
    expect(verdicts).toEqual(['Sometimes', 'Never', 'Never']);
  });
});

describe('the generated publication tests, as findings carry them, use only what herd7 + linux-kernel.cfg reads', () => {
  // What the kernel's own suite (tools/memory-model/litmus-tests, extracted at test time) calls in its
  // process bodies: herd7 with the kernel's linux-kernel.cfg accepts every one of those files.
  const calledIn = (text: string): Set<string> => {
    const bodies = text.replace(/\(\*[\s\S]*?\*\)/g, '').split(/\bexists\b|\blocations\b|\bfilter\b/)[0].replace(/^C .*$/m, '');
    return new Set([...bodies.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)].map((m) => m[1]).filter((n) => !/^P\d+$/.test(n)));
  };
  const kernelCalls = new Set(kernelLitmusTests().flatMap((t) => [...calledIn(t.text)]));
  const writers: WriterStep[][] = [
    [{ kind: 'entry', store: 'bulk', line: 1 }, { kind: 'count', store: 'once', line: 2 }],
    [{ kind: 'entry', store: 'bulk', line: 1 }, { kind: 'barrier', barrier: 'wmb', line: 2 }, { kind: 'count', store: 'once', line: 3 }],
    [{ kind: 'entry', store: 'plain', line: 1 }, { kind: 'count', store: 'release', line: 2 }],
  ];
  const readers = (['relaxed', 'acquire', 'seq_cst'] as const).flatMap((countLoad) => [false, true].map((rmb) => ({ ...DOCUMENTED_READER, countLoad, rmb })));

  it('calls nothing the kernel suite does not, keeps the verdict, and reads back', () => {
    expect(kernelCalls.has('READ_ONCE') && kernelCalls.has('smp_load_acquire') && kernelCalls.has('smp_wmb')).toBe(true);
    for (const w of writers) for (const r of readers) {
      const generated = publicationLitmus('kcov_publish', w, r);
      const herd = herdForm(generated);
      expect([...calledIn(herd)].filter((n) => !kernelCalls.has(n)), herd).toEqual([]);
      expect(herd).toMatch(/^C kcov_publish\n/);
      expect(herd).toMatch(/^exists \(1:r0=1 \/\\ 1:r1=0\)$/m);
      expect(runLitmus(parseLitmus(herd)).result).toBe(runLitmus(parseLitmus(generated)).result);
      expect(herdForm(herd)).toBe(herd);
    }
  });
});
