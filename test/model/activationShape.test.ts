import { beforeAll, describe, expect, it } from 'vitest';
import { activation, activationShape, eventShape, SHAPED_FIELDS } from '../../server/src/model/activation';
import type { ModelEvent } from '../../server/src/model/summary';
import { CONFIGS, configAtoms } from '../../server/src/model/configs';
import { detailedSummaryOf, summarizeViewDetailed } from '../../server/src/model/summary';
import { buildView, initParser, sourceImage } from '../../server/src/source';
import { readKcov } from '../support/kernel';
import { forgetSharedModel } from '../support/sharedModel';
import { clearConeFindings, findingsByCone } from '../../server/src/rules/byCone';
import type { RuleFinding } from '../../server/src/rules/types';

/** kcov.c with a function that takes the per-CPU lock through a macro, and more text after it. */
function withMacroUser(lockBody: string, after: string): string {
  return `${readKcov()}
#define shape_test_lock(f) ${lockBody}
static void shape_test_user(void)
{
\tunsigned long flags;

\tshape_test_lock(flags);
\tkcov_stop(current->kcov);
}
${after}`;
}

function primNames(text: string, root: string): string[] {
  const view = buildView(sourceImage('kernel/kcov.c', text), CONFIGS[0]);
  return activation(view, root, 'task').paths.flat().flatMap((s) => (s.op === 'prim' ? [s.name] : []));
}

describe('activations are shared between views by what their functions use', () => {
  beforeAll(async () => { await initParser(); });

  it('a function-like macro no function of the activation names does not change it: the same activation object', () => {
    const base = withMacroUser('local_lock_irqsave(&kcov_percpu_data.lock, f)', '');
    const other = `${base}#define shape_test_unused(f) spin_lock_irqsave(&kcov->lock, f)\nstatic int shape_test_unused_var;\n`;
    const a = activation(buildView(sourceImage('kernel/kcov.c', base), CONFIGS[0]), 'kcov_ioctl', 'task');
    const b = activation(buildView(sourceImage('kernel/kcov.c', other), CONFIGS[0]), 'kcov_ioctl', 'task');
    expect(a.paths.length).toBeGreaterThan(0);
    expect(b).toBe(a);
  });

  it('a macro the activation\'s function names does: its new body is expanded', () => {
    const local = primNames(withMacroUser('local_lock_irqsave(&kcov_percpu_data.lock, f)', ''), 'shape_test_user');
    const spin = primNames(withMacroUser('spin_lock_irqsave(&kcov_remote_lock, f)', ''), 'shape_test_user');
    expect(local).toContain('local_lock_irqsave');
    expect(local).not.toContain('spin_lock_irqsave');
    expect(spin).toContain('spin_lock_irqsave');
    expect(spin).not.toContain('local_lock_irqsave');
  });

  it('a macro named only by a callee counts too', () => {
    const caller = '\nstatic void shape_test_caller(void)\n{\n\tshape_test_user();\n}\n';
    const local = primNames(withMacroUser('local_lock_irqsave(&kcov_percpu_data.lock, f)', caller), 'shape_test_caller');
    const spin = primNames(withMacroUser('spin_lock_irqsave(&kcov_remote_lock, f)', caller), 'shape_test_caller');
    expect(local).toContain('local_lock_irqsave');
    expect(spin).toContain('spin_lock_irqsave');
    expect(spin).not.toContain('local_lock_irqsave');
  });
});

describe('detailed summaries one function at a time', () => {
  beforeAll(async () => { await initParser(); });

  it('detailedSummaryOf gives the object summarizeViewDetailed holds, and a moved function its moved events', () => {
    const base = readKcov();
    const view = buildView(sourceImage('kernel/kcov.c', `${base}\nstatic int shape_test_summary_a;\n`), CONFIGS[0]);
    const one = detailedSummaryOf(view, 'kcov_ioctl');
    expect(one?.paths.length).toBeGreaterThan(0);
    expect(summarizeViewDetailed(view).get('kcov_ioctl')).toBe(one);
    expect(detailedSummaryOf(view, 'no_such_function')).toBeUndefined();
    const moved = buildView(sourceImage('kernel/kcov.c', `/* one */\n/* two */\n${base}\nstatic int shape_test_summary_b;\n`), CONFIGS[0]);
    const lines = (s: typeof one) => (s?.paths ?? []).flatMap((p) => p.events.map((e) => e.line));
    expect(lines(detailedSummaryOf(moved, 'kcov_ioctl'))).toEqual(lines(one).map((l) => l + 2));
    expect(summarizeViewDetailed(moved).get('kcov_ioctl')).toBe(detailedSummaryOf(moved, 'kcov_ioctl'));
  });
});

describe('IS_ENABLED() in an activation\'s shape', () => {
  beforeAll(async () => { await initParser(); });

  it('is keyed by its value as C reads it: y, m and true alike, n and false alike', () => {
    const text = `${readKcov()}
static void shape_test_enabled(void)
{
\tif (IS_ENABLED(CONFIG_SHAPE_TEST))
\t\tkcov_stop(current);
}
`;
    const shape = (value: boolean | string): string => {
      const config = { ...CONFIGS[0], symbols: { ...CONFIGS[0].symbols, CONFIG_SHAPE_TEST: value } };
      return activationShape(buildView(sourceImage('kernel/kcov.c', text), config), 'shape_test_enabled');
    };
    expect(shape('y')).toBe(shape(true));
    expect(shape('m')).toBe(shape(true));
    expect(shape('n')).toBe(shape(false));
    expect(shape(true)).not.toBe(shape(false));
    expect(configAtoms(CONFIGS[1]).get('IS_ENABLED(CONFIG_PREEMPT_RT)')).toBe(true);
    expect(configAtoms(CONFIGS[0]).get('IS_ENABLED(CONFIG_PREEMPT_RT)')).toBe(false);
  });
});

/** kcov.c 6.12 with `replacement` for kcov_remote_stop()'s `kcov_stop(t);` (a statement in its middle). */
function remoteStopWith(replacement: string): string {
  const text = readKcov();
  const at = text.indexOf('\tkcov_stop(t);\n\tif (in_serving_softirq()) {');
  expect(at).toBeGreaterThan(0);
  return `${text.slice(0, at)}${replacement}${text.slice(at + '\tkcov_stop(t);\n'.length)}`;
}

const stopView = (text: string, config = CONFIGS[0]) => buildView(sourceImage('kernel/kcov.c', text), config);
const stepLines = (a: { paths: { line: number }[][] }): number[] => a.paths.flat().map((s) => s.line);

describe('what the walk reads, not the text: statements that make no step', () => {
  beforeAll(async () => { await initParser(); });

  it('a barrier added inside a function of the cone leaves the shape; a primitive the model knows, or a changed condition, changes it', () => {
    const shape = (text: string): string => activationShape(stopView(text), 'kcov_remote_stop');
    const base = shape(remoteStopWith('\tkcov_stop(t);\n'));
    expect(shape(remoteStopWith('\tkcov_stop(t);\n\tbarrier();\n\tsmp_mb();\n'))).toBe(base);
    expect(shape(remoteStopWith('\tkcov_stop(t);\n\tpreempt_disable();\n'))).not.toBe(base);
    expect(shape(remoteStopWith('\tkcov_stop(t);\n\tthis_cpu_ptr(&kcov_percpu_data)->saved_kcov = NULL;\n'))).not.toBe(base);
    // Same lines, another condition: the walk reads it.
    expect(activationShape(stopView(readKcov().replace('if (in_serving_softirq() && !t->kcov_softirq) {', 'if (in_serving_softirq() && t->kcov_softirq) {')), 'kcov_remote_stop')).not.toBe(activationShape(stopView(readKcov()), 'kcov_remote_stop'));
  });

  it('the activation of the other view, moved line by line, is what a fresh walk gives', () => {
    const withBarrier = remoteStopWith('\tkcov_stop(t);\n\tbarrier();\n').replace('\tkcov = t->kcov;\n\tarea = t->kcov_area;\n', '\tsmp_mb();\n\tkcov = t->kcov;\n\tarea = t->kcov_area;\n');
    expect(withBarrier.split('\n').length).toBe(readKcov().split('\n').length + 2);
    for (const config of CONFIGS) {
      for (const context of ['task', 'softirq'] as const) {
        forgetSharedModel();
        const before = activation(stopView(readKcov(), config), 'kcov_remote_stop', context);
        const moved = activation(stopView(withBarrier, config), 'kcov_remote_stop', context);
        forgetSharedModel();
        const fresh = activation(stopView(withBarrier, config), 'kcov_remote_stop', context);
        expect(moved).toEqual(fresh);
        // Steps before the first barrier (and the callees' steps) stay, those after it move by one, after the second by two.
        const shifts = new Set(stepLines(moved).map((l, i) => l - stepLines(before)[i]));
        expect([...shifts].sort()).toEqual([0, 1, 2]);
      }
    }
  });

  it('two lines of a cone written as one (or one as two) are not placed line by line: the rule runs again', () => {
    const two = readKcov();
    const one = two.replace('\tkcov_remote_area_put(area, size, !in_task());\n\tspin_unlock(&kcov_remote_lock);\n', '\tkcov_remote_area_put(area, size, !in_task()); spin_unlock(&kcov_remote_lock);\n\t/* one line fewer */\n');
    const barrier = remoteStopWith('\tbarrier();\n\tkcov_stop(t);\n');
    expect(one).not.toBe(two);
    expect(activationShape(stopView(one), 'kcov_remote_stop')).toBe(activationShape(stopView(two), 'kcov_remote_stop'));
    /** kcov_remote_stop()'s line that releases kcov_remote_lock. */
    const unlockLine = (text: string): number => {
      const lines = text.split('\n');
      const start = lines.indexOf('void kcov_remote_stop(void)');
      return start + lines.slice(start).findIndex((l) => l.includes('spin_unlock(&kcov_remote_lock);'));
    };
    for (const [from, to, again] of [[two, one, true], [one, two, true], [two, barrier, false]] as const) {
      clearConeFindings();
      let runs = 0;
      const compute = (text: string) => (): RuleFinding[] => { runs++; const line = unlockLine(text); return [{ rule: 'test', severity: 'error', config: '!RT', function: 'kcov_remote_stop', role: 'r', line, span: [line, line], message: 'm', trace: [], fix: null }]; };
      findingsByCone(stopView(from), 'test', ['kcov_remote_stop'], compute(from));
      const found = findingsByCone(stopView(to), 'test', ['kcov_remote_stop'], compute(to));
      expect(runs).toBe(again ? 2 : 1);
      expect(found.map((f) => f.line)).toEqual([unlockLine(to)]);
    }
  });
});

describe('per-CPU pointer steps follow the primitive table', () => {
  beforeAll(async () => { await initParser(); });

  /** The per-CPU steps of a function added to kcov.c, as `cell:access`. */
  function percpuSteps(body: string): string[] {
    const text = `${readKcov()}\nstatic void percpu_step_test(int cpu)\n{\n${body}\n}\n`;
    const view = buildView(sourceImage('kernel/kcov.c', text), CONFIGS[0]);
    return activation(view, 'percpu_step_test', 'task').paths.flat().flatMap((s) => (s.op === 'percpu' ? [`${s.cell}:${s.access}`] : []));
  }

  it('a per-CPU operation is a step: an activation walked on a text without it is not reused for one with it', () => {
    const without = percpuSteps('\tbarrier();');
    // No field access in the argument: only the call itself tells the two texts apart.
    const withOp = percpuSteps('\t__this_cpu_inc(kcov_percpu_data);');
    expect(without).toEqual([]);
    expect(withOp).toEqual(['kcov_percpu_data:write']);
  });

  it('the current CPU\'s pointer is a step of its own; a given CPU\'s is not, its fields are cells of the variable', () => {
    expect(percpuSteps('\tthis_cpu_ptr(&kcov_percpu_data)->saved_mode = 0;')).toContain('kcov_percpu_data:ptr');
    expect(percpuSteps('\traw_cpu_ptr(&kcov_percpu_data)->saved_mode = 0;')).toContain('kcov_percpu_data:ptr');
    const given = percpuSteps('\tper_cpu_ptr(&kcov_percpu_data, cpu)->saved_mode = 0;');
    expect(given).not.toContain('kcov_percpu_data:ptr');
    expect(given.some((s) => s.startsWith('kcov_percpu_data.saved_mode:'))).toBe(true);
  });
});

describe('an event\'s shape', () => {
  /** One event of each kind, and each listed field changed to another value of its type. */
  const samples: ModelEvent[] = [
    { kind: 'call', name: 'f', args: ['a'], line: 1, text: 'f(a)', guards: [{ cond: 'c', taken: true }], unsafe: false },
    { kind: 'store', target: 'x', value: '1', line: 1, text: 'x = 1', via: 'assign', store: 'plain', barrier: 'none' },
    { kind: 'assign', name: 'p', value: 'q', line: 1 },
    { kind: 'case', label: 'A', line: 1 },
    { kind: 'return', line: 1 },
    { kind: 'access', object: 'k', field: 'f', op: 'read', line: 1, text: 'k->f', unsafe: false, arrow: true },
    { kind: 'branch', cond: 'c', taken: true, line: 1 },
  ];
  function changed(value: unknown): unknown {
    if (typeof value === 'boolean') return !value;
    if (Array.isArray(value)) return value.length === 0 ? ['z'] : [...value, value[0]];
    if (value === 'read' || value === 'write') return value === 'read' ? 'write' : 'read';
    if (value === 'assign' || value === 'call') return value === 'assign' ? 'call' : 'assign';
    if (value === 'plain' || value === 'none') return value === 'plain' ? 'once' : 'wmb';
    return `${String(value)}z`;
  }

  it('changes with every field listed for its kind, and not with its line', () => {
    for (const e of samples) {
      const base = eventShape(e);
      expect(eventShape({ ...e, line: 99 })).toBe(base);
      for (const field of SHAPED_FIELDS[e.kind] as readonly string[]) {
        const other = { ...e, [field]: changed((e as unknown as Record<string, unknown>)[field]) } as ModelEvent;
        expect(eventShape(other), `${e.kind}.${field}`).not.toBe(base);
      }
    }
  });
});
