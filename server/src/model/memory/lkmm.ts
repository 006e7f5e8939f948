/**
 * The consistency check of one candidate execution against the Linux-kernel memory model:
 * a transcription of tools/memory-model/linux-kernel.cat (+ .bell, lock.cat) with relations as
 * bit matrices. Names follow the .cat file; each block cites the definition it implements.
 *
 * Not transcribed: the RCU part (rcu-order, rcu-fence, rb). The executor rejects tests with
 * grace periods, and without any Sync-rcu/Sync-srcu event rcu-order is empty (its base cases
 * are rcu-gp and srcu-gp), so rcu-fence and rb are empty and the `rcu` axiom holds trivially.
 */
import { Rel, setComplement, setInter, setMinus, setOf, setUnion, type EventSet } from './relation';
import type { EventTag, ThreadEvent } from './threads';

/** An event of the whole execution. Init writes (IW) have thread -1. */
export interface GraphEvent extends ThreadEvent {
  id: number;
  thread: number;
  poIndex: number;
}

/** Event sets of linux-kernel.bell / lock.cat. */
export interface EventSets {
  R: EventSet;
  W: EventSet;
  M: EventSet;
  IW: EventSet;
  Marked: EventSet;
  Plain: EventSet;
  Acquire: EventSet;
  Release: EventSet;
  R4rmb: EventSet;
  notNoreturn: EventSet;
  RMW: EventSet;
  LKR: EventSet;
  LKW: EventSet;
  UL: EventSet;
}

/** The parts of the model that do not depend on rf and co: computed once per combination of thread traces. */
export interface StaticGraph {
  n: number;
  events: readonly GraphEvent[];
  sets: EventSets;
  po: Rel;
  int: Rel;
  ext: Rel;
  poLoc: Rel;
  addr0: Rel;
  data0: Rel;
  ctrl0: Rel;
  /** rmw | lk-rmw */
  rmw: Rel;
  acqPo: Rel;
  poRel: Rel;
  rmb: Rel;
  wmb: Rel;
  /** The mb disjuncts that do not involve po-unlock-lock-po. */
  mbStatic: Rel;
  /** [After-unlock-lock] ; po ; [M] */
  aulPo: Rel;
  /** fencerel(Rmb), for r-pre-bounded / r-post-bounded. */
  rmbFencerel: Rel;
  barrier: Rel;
}

export interface CheckResult {
  consistent: boolean;
  /** Failed axiom when inconsistent. */
  axiom?: string;
  /** herd7 `flag`s raised by a consistent execution. */
  flags: string[];
}

const LOCK_TAGS: ReadonlySet<EventTag> = new Set(['LKR', 'LKW', 'UL', 'LF', 'RL', 'RU']);

function tagSet(events: readonly GraphEvent[], tags: readonly EventTag[]): EventSet {
  return setOf(events.length, (i) => tags.includes(events[i].tag));
}

/** fencerel(S) = po ; [S] ; po */
function fencerel(po: Rel, s: EventSet): Rel {
  return po.restrict(setOf(po.n, () => true), s).seq(po);
}

export function buildStaticGraph(events: readonly GraphEvent[]): StaticGraph {
  const n = events.length;
  const all = setOf(n, () => true);
  const R = setOf(n, (i) => events[i].dir === 'R');
  const W = setOf(n, (i) => events[i].dir === 'W');
  const M = setUnion(R, W);
  const IW = tagSet(events, ['init']);
  const po = Rel.build(n, (i, j) => events[i].thread >= 0 && events[i].thread === events[j].thread && events[i].poIndex < events[j].poIndex);
  const int = Rel.build(n, (i, j) => i === j || (events[i].thread >= 0 && events[i].thread === events[j].thread));
  const ext = Rel.build(n, (i, j) => !int.has(i, j));
  const loc = Rel.build(n, (i, j) => events[i].dir !== 'F' && events[j].dir !== 'F' && events[i].loc === events[j].loc);
  const poLoc = po.inter(loc);

  const depRel = (pick: (e: ThreadEvent) => readonly number[]): Rel => {
    const pairs: Array<[number, number]> = [];
    for (const e of events) {
      if (e.thread < 0) continue;
      const base = e.id - e.poIndex;
      for (const src of pick(e)) pairs.push([base + src, e.id]);
    }
    return Rel.fromPairs(n, pairs);
  };
  const addr0 = depRel((e) => e.addr);
  const data0 = depRel((e) => e.data);
  const ctrl0 = depRel((e) => e.ctrl);
  // lock.cat: lk-rmw = ([LKR] ; po-loc ; [LKW]) \ (po ; po) -- LKR is emitted right before its LKW.
  const rmw = Rel.fromPairs(n, events.filter((e) => e.rmwRead >= 0).map((e): [number, number] => [e.id - e.poIndex + e.rmwRead, e.id]));

  const LKR = tagSet(events, ['LKR']);
  const LKW = tagSet(events, ['LKW']);
  const UL = tagSet(events, ['UL']);
  // lock.cat: Acquire = Acquire | LKR, Release = Release | UL.
  const Acquire = setUnion(tagSet(events, ['acquire']), LKR);
  const Release = setUnion(tagSet(events, ['release']), UL);
  const Noreturn = tagSet(events, ['noreturn']);
  const F = setOf(n, (i) => events[i].dir === 'F');
  const lockEvents = setOf(n, (i) => LOCK_TAGS.has(events[i].tag));
  // bell: Marked = (~M) | IW | Once | Release | Acquire | domain(rmw) | range(rmw) | LKR | LKW | UL | LF | RL | RU
  const Marked = setUnion(F, IW, tagSet(events, ['once']), Release, Acquire, rmw.domain(), rmw.range(), lockEvents);
  const Plain = setMinus(M, Marked);
  const RMW = setOf(n, (i) => events[i].inRmw);
  const R4rmb = setMinus(R, Noreturn);
  const notNoreturn = setComplement(n, Noreturn);

  const fr = (tags: readonly EventTag[]): Rel => fencerel(po, tagSet(events, tags));
  const poOpt = po.opt();
  const mbStatic = fr(['mb']).restrict(M, M)
    .union(fr(['before-atomic']).restrict(M, RMW).seq(poOpt).restrict(M, M))
    .union(poOpt.restrict(M, RMW).seq(fr(['after-atomic'])).restrict(M, M))
    .union(poOpt.restrict(M, LKW).seq(fr(['after-spinlock'])).restrict(M, M));
  const aulPo = po.restrict(tagSet(events, ['after-unlock-lock']), M);
  // barrier = fencerel(Barrier | Rmb | Wmb | Mb | ... | Acquire | Release | Rcu-lock | Rcu-unlock) | (po ; [Release]) | ([Acquire] ; po)
  const barrierEvents = setUnion(tagSet(events, ['barrier', 'rmb', 'wmb', 'mb', 'before-atomic', 'after-atomic', 'rcu-lock', 'rcu-unlock']), Acquire, Release);
  const barrier = fencerel(po, barrierEvents).union(po.restrict(all, Release), po.restrict(Acquire, all));

  return {
    n,
    events,
    sets: { R, W, M, IW, Marked, Plain, Acquire, Release, R4rmb, notNoreturn, RMW, LKR, LKW, UL },
    po,
    int,
    ext,
    poLoc,
    addr0,
    data0,
    ctrl0,
    rmw,
    acqPo: po.restrict(Acquire, M),
    poRel: po.restrict(M, Release),
    rmb: fr(['rmb']).restrict(R4rmb, R4rmb),
    wmb: fr(['wmb']).restrict(W, W),
    mbStatic,
    aulPo,
    rmbFencerel: fr(['rmb']),
    barrier,
  };
}

/**
 * Checks the LKMM axioms for one candidate (rf, co): coherence, atomic, happens-before,
 * propagation and plain-coherence (linux-kernel.cat), and computes the data-race and
 * mixed-accesses flags when the execution is consistent.
 */
export function checkCandidate(g: StaticGraph, rf: Rel, co: Rel): CheckResult {
  const s = g.sets;
  const all = setOf(g.n, () => true);
  const fr = rf.inv().seq(co);

  // Sequential consistency per variable: acyclic po-loc | com as coherence
  if (!g.poLoc.union(rf, co, fr).isAcyclic()) return { consistent: false, axiom: 'coherence', flags: [] };

  const rfe = rf.inter(g.ext);
  const rfi = rf.inter(g.int);
  const coe = co.inter(g.ext);
  const fre = fr.inter(g.ext);
  // empty rmw & (fre ; coe) as atomic
  if (!g.rmw.inter(fre.seq(coe)).isEmpty()) return { consistent: false, axiom: 'atomic', flags: [] };

  // bell: carry-dep = (data ; [~Srcu-unlock] ; rfi)*, and addr/ctrl/data are carried through it.
  const carryDep = g.data0.seq(rfi).star();
  const addr = carryDep.seq(g.addr0);
  const data = carryDep.seq(g.data0);
  const ctrl = carryDep.seq(g.ctrl0);

  // po-unlock-lock-po = po ; [UL] ; (po|rf) ; [LKR] ; po
  const pulp = g.po.restrict(all, s.UL).seq(g.po.union(rf)).restrict(all, s.LKR).seq(g.po);
  const mb = g.mbStatic.union(pulp.seq(g.aulPo).restrict(s.M, s.M));
  const strongFence = mb; // gp is empty: no synchronize_rcu
  const nonrwFence = strongFence.union(g.poRel, g.acqPo);
  const fence = nonrwFence.union(g.wmb, g.rmb);

  // Preserved program order
  const dep = addr.union(data);
  const rwdep = dep.union(ctrl).restrict(all, s.W);
  const overwrite = co.union(fr);
  const toW = rwdep.union(overwrite.inter(g.int), addr.restrict(all, s.Plain).seq(g.wmb));
  const toR = addr.restrict(all, s.R).union(dep.restrict(all, s.Marked).seq(rfi));
  const ppo = toR.union(toW, fence.inter(g.int), pulp.inter(g.int));

  // Propagation: A-cumul(r) = (rfe ; [Marked])? ; r
  const aCumul = (r: Rel): Rel => rfe.restrict(all, s.Marked).opt().seq(r);
  const rmwSequence = rf.seq(g.rmw).star();
  const cumulFence = aCumul(strongFence.union(g.poRel)).union(g.wmb, pulp).restrict(s.Marked, s.Marked).seq(rmwSequence);
  const prop = overwrite.inter(g.ext).opt().restrict(s.Marked, all)
    .seq(cumulFence.star()).restrict(all, s.Marked)
    .seq(rfe.opt()).restrict(all, s.Marked);

  // hb = [Marked] ; (ppo | rfe | ((prop \ id) & int)) ; [Marked]
  const hb = ppo.union(rfe, prop.irreflexivePart().inter(g.int)).restrict(s.Marked, s.Marked);
  if (!hb.isAcyclic()) return { consistent: false, axiom: 'happens-before', flags: [] };

  // pb = prop ; strong-fence ; hb* ; [Marked]
  const hbStar = hb.star();
  const pb = prop.seq(strongFence).seq(hbStar).restrict(all, s.Marked);
  if (!pb.isAcyclic()) return { consistent: false, axiom: 'propagation', flags: [] };

  const flags: string[] = [];
  // mixed-accesses = ([Plain & W] ; (po-loc \ barrier) ; [Marked]) | ([Marked] ; (po-loc \ barrier) ; [Plain & W])
  const plainW = setInter(s.Plain, s.W);
  const poLocNoBarrier = g.poLoc.minus(g.barrier);
  if (!poLocNoBarrier.restrict(plainW, s.Marked).union(poLocNoBarrier.restrict(s.Marked, plainW)).isEmpty()) flags.push('mixed-accesses');

  if (s.Plain.some((w) => w !== 0)) {
    const verdict = checkPlainAccesses(g, { rf, co, fr, rfe, addr, fence, nonrwFence, strongFence, cumulFence, rmwSequence, hb, pb });
    if (!verdict.coherent) return { consistent: false, axiom: 'plain-coherence', flags: [] };
    if (verdict.race) flags.push('data-race');
  }
  return { consistent: true, flags };
}

interface PlainInputs {
  rf: Rel;
  co: Rel;
  fr: Rel;
  rfe: Rel;
  addr: Rel;
  fence: Rel;
  nonrwFence: Rel;
  strongFence: Rel;
  cumulFence: Rel;
  rmwSequence: Rel;
  hb: Rel;
  pb: Rel;
}

/** linux-kernel.cat, "Plain accesses and data races": the plain-coherence axiom and the data-race flag. */
function checkPlainAccesses(g: StaticGraph, x: PlainInputs): { coherent: boolean; race: boolean } {
  const s = g.sets;
  const all = setOf(g.n, () => true);
  const xbstar = x.hb.union(x.pb).star(); // rb is empty
  // vis = cumul-fence* ; rfe? ; [Marked] ; ((strong-fence ; [Marked] ; xbstar) | (xbstar & int))
  const vis = x.cumulFence.star().seq(x.rfe.opt()).restrict(all, s.Marked)
    .seq(x.strongFence.restrict(all, s.Marked).seq(xbstar).union(xbstar.inter(g.int)));
  const rmbNoret = g.rmbFencerel.restrict(s.R4rmb, s.notNoreturn);
  const wPre = x.addr.union(x.fence).opt().restrict(s.Marked, all);
  const rPre = x.addr.union(x.nonrwFence, rmbNoret).opt().restrict(s.Marked, all);
  const wPost = x.fence.opt().restrict(all, s.Marked).seq(x.rmwSequence);
  const rPost = x.nonrwFence.union(g.rmbFencerel.restrict(s.notNoreturn, s.R4rmb)).opt().restrict(all, s.Marked);
  const sfX = x.strongFence.seq(xbstar);
  const wwVis = x.fence.union(sfX.seq(wPre), wPost.seq(vis).seq(wPre));
  const wrVis = x.fence.union(sfX.seq(rPre), wPost.seq(vis).seq(rPre));
  const rwXbstar = x.fence.union(rPost.seq(xbstar).seq(wPre));

  // pre-race = ext & ((Plain * M) | ((M \ IW) * Plain))
  const preRace = g.ext.inter(Rel.cross(g.n, s.Plain, s.M).union(Rel.cross(g.n, setMinus(s.M, s.IW), s.Plain)));
  const wrIncoh = preRace.inter(x.rf).inter(rwXbstar.inv());
  const rwIncoh = preRace.inter(x.fr).inter(wrVis.inv());
  const wwIncoh = preRace.inter(x.co).inter(wwVis.inv());
  if (!wrIncoh.union(rwIncoh, wwIncoh).isEmpty()) return { coherent: false, race: false };

  const wwNonrace = wwVis
    .inter(Rel.cross(g.n, s.Marked, s.W).union(rwXbstar))
    .inter(Rel.cross(g.n, s.W, s.Marked).union(wrVis));
  const wwRace = preRace.inter(x.co).minus(wwNonrace);
  const wrRace = preRace.inter(x.co.opt().seq(x.rf)).minus(wrVis).minus(rwXbstar.inv());
  const rwRace = preRace.inter(x.fr).minus(rwXbstar);
  return { coherent: true, race: !wwRace.union(wrRace, rwRace).isEmpty() };
}
