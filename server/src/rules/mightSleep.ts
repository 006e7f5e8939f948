/**
 * Rule `might-sleep` (invariant 3): nothing that might sleep runs with preemption, hard interrupts
 * or BH disabled, under a raw or spinning lock, or inside an RCU read-side section, per
 * configuration (docs/rules/might-sleep.md). Conditions and exceptions are data rows with citations.
 */
import { activation, type Step } from '../model/activation';
import type { ContextName } from '../model/contexts';
import { entryState } from '../model/contexts';
import type { ProofStep } from '../model/explorer';
import { rootsOf, unreliable, type Root } from '../model/roots';
import { applyEffect, describeState, type AbstractState } from '../model/state';
import type { ConfigView } from '../source/types';
import { findingsByCone } from './byCone';
import { toTrace } from './trace';
import type { Rule, RuleFinding, RuleInput } from './types';

export const MIGHT_SLEEP = 'might-sleep';

interface AtomicRow { id: string; test: (s: AbstractState) => boolean; text: string; cite: string }

/** States in which sleeping is a bug. */
export const ATOMIC_ROWS: readonly AtomicRow[] = [
  { id: 'hardirq-off', test: (s) => s.hardirq > 0, text: 'hard interrupts are disabled', cite: 'Documentation/locking/locktypes.rst "local_lock", "raw_spinlock_t"; include/linux/kernel.h might_sleep()' },
  { id: 'preempt-off', test: (s) => s.preempt > 0, text: 'preemption is disabled', cite: 'Documentation/locking/preempt-locking.rst' },
  { id: 'bh-off', test: (s) => s.bh > 0 && !s.locks.some((l) => l.kind === 'bh'), text: 'BH is disabled (softirq context is atomic on !RT)', cite: 'include/linux/bottom_half.h; kernel/softirq.c' },
  { id: 'spinning-lock', test: (s) => s.locks.some((l) => l.kind === 'raw' || l.kind === 'spinning'), text: 'a spinning lock is held', cite: 'Documentation/locking/locktypes.rst "spinlock_t", "raw_spinlock_t"' },
  // On PREEMPT_RT a spinlock_t or local_lock_t section (rt_spin_lock()) and a BH section enter RCU read
  // side; might_sleep() there checks the RCU nesting depth (kernel/sched/core.c __might_resched()), so
  // sleeping is still a bug even though preemption stays on.
  { id: 'rcu-read-side', test: (s) => s.rcu > 0, text: 'an RCU read-side critical section is open (on PREEMPT_RT spinlock_t, local_lock_t and local_bh_disable() enter one)', cite: 'Documentation/RCU/whatisRCU.rst "rcu_read_lock()"; Documentation/locking/locktypes.rst "spinlock_t and PREEMPT_RT"; kernel/locking/spinlock_rt.c rt_spin_lock(); kernel/sched/core.c __might_resched() (RCU nest depth)' },
];

interface Exception { names: readonly string[]; applies: (args: readonly string[], context: ContextName) => boolean; text: string; cite: string }

/** Calls the primitive table marks as sleeping that do not sleep in these circumstances. */
export const SLEEP_EXCEPTIONS: readonly Exception[] = [
  { names: ['kmalloc', 'kzalloc', 'kcalloc', 'kmalloc_array'], applies: (args) => args.some((a) => /\bGFP_(?:ATOMIC|NOWAIT)\b/.test(a)), text: 'GFP_ATOMIC/GFP_NOWAIT allocations do not sleep', cite: 'Documentation/core-api/memory-allocation.rst' },
  { names: ['vfree', 'kvfree'], applies: (_a, context) => context !== 'task', text: 'vfree() from interrupt context defers the work instead of sleeping', cite: 'mm/vmalloc.c vfree()' },
];

/** Rows that also forbid taking a sleeping lock (a spinlock_t on PREEMPT_RT, a mutex): blocking on one
 *  is allowed in BH sections and RCU read side on PREEMPT_RT, not with IRQs or preemption off. */
const SLEEPING_LOCK_ROWS: readonly string[] = ['hardirq-off', 'preempt-off', 'spinning-lock'];

type Prim = Extract<Step, { op: 'prim' }>;

/** Why this step might sleep, or null: a sleeping call, or a sleeping lock taken (which may block). */
function sleeper(st: Prim, context: ContextName): { role: string; what: string; rows: readonly AtomicRow[] } | null {
  if (st.effect.mightSleep && !excused(st, context)) return { role: `sleep:${st.name}@${st.fn}`, what: `${st.name}() might sleep`, rows: ATOMIC_ROWS };
  // A trylock never waits: taking a sleeping lock that way cannot block.
  if (st.effect.lock?.op === 'acquire' && st.effect.lock.kind === 'sleeping' && !st.attempt) {
    return { role: `sleeping-lock:${st.lockId}@${st.fn}`, what: `${st.name}(${st.lockId}) takes a sleeping lock (it may block)`, rows: ATOMIC_ROWS.filter((r) => SLEEPING_LOCK_ROWS.includes(r.id)) };
  }
  return null;
}

function excused(s: Prim, context: ContextName): boolean {
  return SLEEP_EXCEPTIONS.some((e) => e.names.includes(s.name) && e.applies(s.args, context));
}

/** The findings of one root (the first per role). */
function rootFindings(view: ConfigView, root: Root): RuleFinding[] {
  const config = view.config.name;
  const out = new Map<string, RuleFinding>();
  const entry = entryState(root.context, config);
  for (const path of activation(view, root.fn, root.context).paths) {
    let s = entry.state;
    const trail: Prim[] = [];
    for (const st of path) {
      if (st.op !== 'prim') continue;
      const sl = sleeper(st, root.context);
      if (sl) {
        const row = sl.rows.find((r) => r.test(s));
        const role = sl.role;
        if (row && !out.has(role)) {
          const ps = (x: Prim, text: string, r: string): ProofStep => ({ line: x.line, fn: x.fn, context: root.context, config, text, row: r });
          const proof: ProofStep[] = [
            { line: path[0]?.line ?? st.line, fn: root.fn, context: root.context, config, text: `${root.fn}() runs in ${root.context} context: ${entry.note}`, row: entry.cite },
            ...trail.filter((t) => t.effect.lock || t.effect.hardirq || t.effect.preempt || t.effect.bh || t.effect.rcu).map((t) => ps(t, t.text, `${t.row.names[0]}: ${t.row.cite}`)),
            ps(st, `${sl.what} while ${row.text} (${describeState(s)})`, `${row.id}: ${row.cite}; ${st.row.cite}`),
          ];
          out.set(role, { rule: MIGHT_SLEEP, severity: 'error', config, function: st.fn, role, line: st.line, span: [Math.min(st.line, ...trail.map((t) => t.line)), st.line], message: `${sl.what} while ${row.text} (${root.context} context, ${config})`, trace: toTrace(view.image.path, proof), fix: null });
        }
      }
      s = applyEffect(s, st.effect, st.lockId, st);
      trail.push(st);
    }
  }
  return [...out.values()];
}

/** Every root's findings; a role found from several roots is reported from the first. */
function run(input: RuleInput): RuleFinding[] {
  const { view } = input;
  const out = new Map<string, RuleFinding>();
  for (const root of rootsOf(view)) {
    if (unreliable(view, root.fn)) continue;
    for (const f of findingsByCone(view, `${MIGHT_SLEEP}\u0000${root.context}`, [root.fn], () => rootFindings(view, root))) if (!out.has(f.role)) out.set(f.role, f);
  }
  return [...out.values()];
}

export const mightSleepRule: Rule = { id: MIGHT_SLEEP, title: 'might-sleep call in atomic context', run };
