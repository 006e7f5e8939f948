/**
 * A hand-built Review of a small patch, for the in-process tests of the presentation features.
 * Lines of DOC are numbered in the comments (0-based document lines).
 */
import type { FilePatch, ImagePair, LocatedHunk, PatchSeries, SourceImage } from '../../../server/src/patch/types';
import type { Review, ReviewFinding } from '../../../server/src/review/types';

export const DOC_URI = 'file:///work/patches/0001-kcov.patch';
export const TREE = '/trees/linux';

export const DOC = [
  'From: A U Thor <author@example.org>', // 0
  'Subject: [PATCH] kcov: order the count after the area', // 1
  '', // 2
  'Body.', // 3
  '', // 4
  'Signed-off-by: A U Thor <author@example.org>', // 5
  '---', // 6
  ' kernel/kcov.c | 3 ++-', // 7
  '', // 8
  'diff --git a/kernel/kcov.c b/kernel/kcov.c', // 9
  '--- a/kernel/kcov.c', // 10
  '+++ b/kernel/kcov.c', // 11
  '@@ -978,2 +978,3 @@ static void kcov_move_area(enum kcov_mode mode, void *dst_area,', // 12
  '\tmemcpy(dst_entries, src_entries, bytes_to_move);', // 13
  '+\tsmp_wmb();', // 14
  '-\tWRITE_ONCE(*(unsigned long *)dst_area, dst_len);', // 15
  '+\tdst_len += entries_moved;', // 16
  '', // 17
].join('\n');

function image(text: string): SourceImage {
  return { path: 'kernel/kcov.c', text, hash: text.length.toString(16) };
}

const file: FilePatch = {
  oldPath: 'a/kernel/kcov.c',
  newPath: 'b/kernel/kcov.c',
  path: 'kernel/kcov.c',
  oldBlob: null,
  newBlob: null,
  headerLine: 9,
  binary: false,
  gitRefusal: null,
  hunks: [
    {
      header: '@@ -978,2 +978,3 @@ static void kcov_move_area(enum kcov_mode mode, void *dst_area,',
      headerLine: 12,
      oldStart: 978,
      oldCount: 2,
      newStart: 978,
      newCount: 3,
      section: ' static void kcov_move_area(enum kcov_mode mode, void *dst_area,',
      lines: [
        { kind: ' ', text: '\tmemcpy(dst_entries, src_entries, bytes_to_move);', docLine: 13 },
        { kind: '+', text: '\tsmp_wmb();', docLine: 14 },
        { kind: '-', text: '\tWRITE_ONCE(*(unsigned long *)dst_area, dst_len);', docLine: 15 },
        { kind: '+', text: '\tdst_len += entries_moved;', docLine: 16 },
      ],
      damage: ['context-prefix-lost'],
    },
  ],
};

const series: PatchSeries = {
  patches: [
    {
      index: 0,
      headers: { subject: '[PATCH] kcov: order the count after the area', from: 'A U Thor <author@example.org>', date: null, messageId: null, inReplyTo: null, references: null },
      subjectLine: 1,
      startLine: 0,
      endLine: 18,
      messageLine: 3,
      separatorLine: 6,
      files: [file],
    },
  ],
  problems: [],
};

const hunks: LocatedHunk[] = [
  { patchIndex: 0, file, hunk: file.hunks[0], where: { located: true, how: 'exact', baseLine1: 978, offset: 0, fuzz: [0, 0] } },
];

/** 0-based image lines: pre 977 memcpy, 978 WRITE_ONCE; post 977 memcpy, 978 smp_wmb, 979 dst_len +=. */
const images: ImagePair[] = [
  {
    path: 'kernel/kcov.c',
    pre: image('pre'),
    post: image('post'),
    baseFrom: 'tree',
    map: {
      patchToPre: new Map([[13, 977], [15, 978]]),
      patchToPost: new Map([[13, 977], [14, 978], [16, 979]]),
      preToPatch: new Map([[977, 13], [978, 15]]),
      postToPatch: new Map([[977, 13], [978, 14], [979, 16]]),
      preToPost: new Map([[977, 977], [1000, 1001]]),
      postToPre: new Map([[977, 977], [1001, 1000]]),
    },
  },
];

export function finding(overrides: Partial<ReviewFinding>): ReviewFinding {
  return {
    rule: 'count-published-before-area',
    severity: 'error',
    verdict: 'introduced',
    configs: ['!RT', 'RT'],
    function: 'kcov_move_area',
    file: 'kernel/kcov.c',
    patchLine: 16,
    sourceLine: 980,
    image: 'post',
    message: 'The count is published before the coverage entries it covers.',
    trace: [],
    fixes: [],
    ...overrides,
  };
}

export const INTRODUCED: ReviewFinding = finding({
  trace: [
    { file: 'kernel/kcov.c', line: 980, context: 'task', text: 'dst_len is updated without a release' },
    { file: 'kernel/kcov.c', line: 1002, context: 'user-space reader', text: 'reads the count with a relaxed load' },
  ],
  fixes: [
    { title: 'Use smp_store_release() for the count', preferred: true, edits: [{ startLine: 16, endLine: 17, newLines: ['+\tsmp_store_release(&dst_len, dst_len + entries_moved);'] }] },
    { title: 'Insert smp_wmb() before the count', preferred: false, edits: [{ startLine: 16, endLine: 16, newLines: ['+\tsmp_wmb();'] }] },
  ],
});

export const PRE_EXISTING: ReviewFinding = finding({
  rule: 'percpu-access-preemptible',
  severity: 'warning',
  verdict: 'pre-existing',
  configs: ['RT'],
  patchLine: 13,
  sourceLine: 978,
  image: 'pre',
  message: 'Per-CPU data is accessed with only migration disabled.',
  trace: [{ file: 'kernel/kcov.c', line: 978, context: 'task', text: 'memcpy into the per-CPU area' }],
});

export const FIXED_WARNING: ReviewFinding = finding({
  rule: 'missing-write-barrier',
  severity: 'warning',
  verdict: 'fixed',
  configs: ['!RT', 'RT+BHlock', 'RT'],
  patchLine: 14,
  sourceLine: 979,
  image: 'pre',
  message: 'The area is written after the count without a barrier.',
});

export const OUTSIDE_INTRODUCED: ReviewFinding = finding({ rule: 'lock-imbalance', severity: 'warning', patchLine: null, sourceLine: 1200, message: 'Unbalanced lock.' });
export const OUTSIDE_PRE_EXISTING: ReviewFinding = finding({ rule: 'lock-imbalance', verdict: 'pre-existing', patchLine: null, sourceLine: 1300, message: 'Old imbalance.' });

export function review(overrides: Partial<Review> = {}): Review {
  return {
    tree: { path: TREE, source: 'setting' },
    configs: ['!RT', 'RT+BHlock', 'RT'],
    series,
    hunks,
    images,
    findings: [INTRODUCED, PRE_EXISTING, FIXED_WARNING, OUTSIDE_INTRODUCED, OUTSIDE_PRE_EXISTING],
    problems: [
      { code: 'patch-damaged', severity: 'warning', message: 'The patch lost its context-line prefixes; repaired from the tree.', line: 12 },
      { code: 'no-tree', severity: 'information', message: 'No kernel tree.', line: 0 },
    ],
    ...overrides,
  };
}
