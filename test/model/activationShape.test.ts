import { beforeAll, describe, expect, it } from 'vitest';
import { activation, activationShape } from '../../server/src/model/activation';
import { CONFIGS, configAtoms } from '../../server/src/model/configs';
import { detailedSummaryOf, summarizeViewDetailed } from '../../server/src/model/summary';
import { buildView, initParser, sourceImage } from '../../server/src/source';
import { readKcov } from '../support/kernel';

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
